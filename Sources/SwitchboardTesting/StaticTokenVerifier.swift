public import SwitchboardCore

/// A ``TokenVerifier`` for tests: a fixed table of accepted tokens and the subjects they stand
/// for; the empty token is `missing`, any other `badSignature`.
///
/// ```swift
/// let verifier = StaticTokenVerifier(["alice-token": "alice", "bob-token": "bob"])
/// ```
public struct StaticTokenVerifier: TokenVerifier {
    /// Accepted tokens and their subjects.
    public var subjects: [String: String]

    /// Accepts exactly the tokens in `subjects`.
    public init(_ subjects: [String: String]) {
        self.subjects = subjects
    }

    /// The token's subject with a `token` claim echoing it, or a refusal.
    public func verify(_ token: String) throws -> VerifiedToken {
        guard !token.isEmpty else { throw TokenVerificationError(code: .missing, message: "no token") }
        guard let subject = subjects[token] else {
            throw TokenVerificationError(code: .badSignature, message: "unknown token")
        }
        return VerifiedToken(subject: subject, claims: [.init(key: "sub", value: .string(subject)), .init(key: "role", value: .string("tester"))])
    }
}
