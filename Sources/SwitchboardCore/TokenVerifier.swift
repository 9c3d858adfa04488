/// Checks a bearer token (a JWT, say) and says who presented it.
///
/// Authentication is opt-in: a protocol adapter given a verifier (``WSLink``'s hello,
/// CrossComm's login, siyi's upgrade) refuses every connection whose token the verifier
/// rejects, with the documented error and close codes (`Protocols.md` §9). Adapters call
/// ``verify(_:)`` synchronously on the connection's event loop, so it must be quick and must
/// not block (verifying a signature is; fetching keys over the network is not: load them
/// first). `SwitchboardAuth.JWTTokenVerifier` is the JWT implementation.
///
/// ```swift
/// struct Fixed: TokenVerifier {
///     func verify(_ token: String) throws -> VerifiedToken {
///         guard token == "let-me-in" else {
///             throw TokenVerificationError(code: .badSignature, message: "unknown token")
///         }
///         return VerifiedToken(subject: "alice")
///     }
/// }
/// ```
public protocol TokenVerifier: Sendable {
    /// Verifies `token` and returns its subject and claims, or throws a
    /// ``TokenVerificationError`` saying why it is not accepted. Never logs the token.
    func verify(_ token: String) throws -> VerifiedToken
}
