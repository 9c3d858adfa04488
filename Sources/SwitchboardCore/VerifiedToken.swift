/// What a ``TokenVerifier`` accepted: whose token it is and what it claims.
public struct VerifiedToken: Sendable, Hashable {
    /// The token's subject (JWT `sub`): the identity it was issued to. Never empty.
    public var subject: String
    /// Every claim of the token's payload, in the order it was sent (JWT: the payload object).
    public var claims: [JSONValue.Pair]
    /// When the token expires, in seconds since 1970-01-01 UTC (JWT `exp`), if it does.
    public var expiresAt: Double?

    /// Creates a verified token.
    public init(subject: String, claims: [JSONValue.Pair] = [], expiresAt: Double? = nil) {
        self.subject = subject
        self.claims = claims
        self.expiresAt = expiresAt
    }

    /// The claim named `name` (the first, if the payload repeats it), or `nil`.
    public subscript(claim name: String) -> JSONValue? {
        claims.first { $0.key == name }?.value
    }

    /// The claims as one JSON object.
    public var claimsObject: JSONValue { .object(claims) }
}
