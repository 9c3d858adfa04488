public import SwitchboardCore
import Foundation
import JWTKit

/// Verifies JSON Web Tokens (RFC 7519) signed with HS256, RS256 or ES256, for the opt-in
/// authenticated identities of wslink, CrossComm and siyi (`Protocols.md` §9).
///
/// A token is accepted when it is three base64url parts, its header's `alg` is the key's
/// algorithm (never `none`), the signature matches, it has a non-empty string `sub`, and its
/// registered claims hold: `exp` not passed and `nbf` reached (both with ``Options/leeway``),
/// `aud` naming ``Options/audience`` and `iss` equal to ``Options/issuer`` when those are set,
/// and `exp` present when ``Options/requireExpiry`` is. Signature checks use jwt-kit's
/// algorithms, obtained once when the verifier is made; ``verify(_:)`` itself is synchronous
/// and does no I/O, so adapters call it on the event loop.
///
/// ```swift
/// let verifier = try await JWTTokenVerifier(
///     key: .hs256(secretFile: "jwt-secret"),
///     options: .init(audience: "switchboard", issuer: "https://auth.example.com")
/// )
/// let token = try verifier.verify(jwt)      // throws TokenVerificationError
/// print(token.subject, token[claim: "role"] ?? .null)
/// ```
public struct JWTTokenVerifier: TokenVerifier {
    /// Which claims are checked, and how strictly.
    public struct Options: Sendable {
        /// When set, `aud` (a string or an array of strings) must contain it.
        public var audience: String?
        /// When set, `iss` must equal it.
        public var issuer: String?
        /// Whether a token without `exp` is refused (``TokenVerificationError/Code/missingExpiry``).
        public var requireExpiry: Bool
        /// Clock skew tolerated on `exp` and `nbf`, in seconds.
        public var leeway: Double
        /// Tokens longer than this are refused as malformed before anything is decoded.
        public var maxTokenBytes: Int

        /// Creates options: no audience or issuer check, `exp` optional, 60 s leeway.
        public init(audience: String? = nil, issuer: String? = nil, requireExpiry: Bool = false, leeway: Double = 60, maxTokenBytes: Int = 8192) {
            self.audience = audience
            self.issuer = issuer
            self.requireExpiry = requireExpiry
            self.leeway = leeway
            self.maxTokenBytes = maxTokenBytes
        }
    }

    /// The key's algorithm name (`HS256`, `RS256`, `ES256`): the only `alg` accepted.
    public let algorithmName: String
    /// The claim checks.
    public let options: Options
    private let algorithm: any JWTAlgorithm
    private let now: @Sendable () -> Double

    /// Makes a verifier for tokens signed with `key`. `now` gives the time in seconds since
    /// 1970 (default: the system clock; tests pass a fixed one). Throws a ``JWTConfigurationError`` for negative leeway.
    public init(
        key: Key,
        options: Options = Options(),
        now: (@Sendable () -> Double)? = nil
    ) async throws {
        guard options.leeway >= 0, options.leeway.isFinite else {
            throw JWTConfigurationError("the JWT leeway must be a non-negative number of seconds")
        }
        do {
            self.algorithm = try await key.collection().getKey()
        } catch {
            throw JWTConfigurationError("jwt-kit refused the \(key.algorithm) key", cause: error)
        }
        self.algorithmName = key.algorithm
        self.options = options
        self.now = now ?? { Date().timeIntervalSince1970 }
    }

    /// Verifies `token`; see the type's summary for what is checked. Throws a
    /// ``TokenVerificationError`` (never containing the token) when it is refused.
    public func verify(_ token: String) throws -> VerifiedToken {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw refusal(.missing, "no token") }
        guard bytes.count <= options.maxTokenBytes else {
            throw refusal(.malformed, "token longer than \(options.maxTokenBytes) bytes")
        }
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else { throw refusal(.malformed, "not three dot-separated parts") }
        let header = try decodeObject(bytes[..<dots[0]], part: "header")
        guard let alg = header["alg"]?.stringValue else { throw refusal(.malformed, "header without alg") }
        guard alg == algorithmName else {
            throw refusal(.unsupportedAlgorithm, "alg \(Self.printable(alg)) is not the configured \(algorithmName)")
        }
        guard let signature = Base64URL.decode(bytes[(dots[1] + 1)...]) else {
            throw refusal(.malformed, "signature is not base64url")
        }
        let signed: Bool
        do {
            signed = try algorithm.verify(signature, signs: bytes[..<dots[1]])
        } catch {
            signed = false
        }
        guard signed else { throw refusal(.badSignature, "signature does not match") }
        let payload = try decodeObject(bytes[(dots[0] + 1)..<dots[1]], part: "payload")
        return try checkClaims(payload)
    }

    // MARK: - Claims

    private func checkClaims(_ payload: JSONValue) throws -> VerifiedToken {
        let current = now()
        let expiry = try numericDate(payload, "exp")
        if let expiry {
            guard current < expiry + options.leeway else { throw refusal(.expired, "token expired") }
        } else if options.requireExpiry {
            throw refusal(.missingExpiry, "token has no exp")
        }
        if let notBefore = try numericDate(payload, "nbf"), current + options.leeway < notBefore {
            throw refusal(.notYetValid, "token not valid yet (nbf)")
        }
        if let audience = options.audience {
            let audiences: [String] = switch payload["aud"] {
            case .string(let single)?: [single]
            case .array(let many)?: many.compactMap(\.stringValue)
            default: []
            }
            guard audiences.contains(audience) else { throw refusal(.wrongAudience, "token is not for this audience") }
        }
        if let issuer = options.issuer, payload["iss"]?.stringValue != issuer {
            throw refusal(.wrongIssuer, "token is not from the configured issuer")
        }
        guard let subject = payload["sub"]?.stringValue, !subject.isEmpty else {
            throw refusal(.missingSubject, "token has no sub")
        }
        return VerifiedToken(subject: subject, claims: payload.objectValue ?? [], expiresAt: expiry)
    }

    private func numericDate(_ payload: JSONValue, _ name: String) throws -> Double? {
        guard let value = payload[name], !value.isNull else { return nil }
        guard let seconds = value.doubleValue, seconds.isFinite else {
            throw refusal(.malformed, "\(name) is not a number")
        }
        return seconds
    }

    private func decodeObject(_ part: ArraySlice<UInt8>, part name: String) throws -> JSONValue {
        guard let decoded = Base64URL.decode(part) else { throw refusal(.malformed, "\(name) is not base64url") }
        guard let value = try? JSONValue(parsing: decoded, options: JSONParseOptions(maxDepth: 32, allowNonFiniteNumbers: false)),
              value.objectValue != nil
        else {
            throw refusal(.malformed, "\(name) is not a JSON object")
        }
        return value
    }

    private func refusal(_ code: TokenVerificationError.Code, _ message: String) -> TokenVerificationError {
        TokenVerificationError(code: code, message: message)
    }

    /// At most 16 printable ASCII characters of an untrusted value, for messages.
    private static func printable(_ text: String) -> String {
        "\"" + String(text.unicodeScalars.prefix(16).map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" }) + "\""
    }
}
