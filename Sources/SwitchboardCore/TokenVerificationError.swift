/// Why a ``TokenVerifier`` refused a token.
///
/// `code` is stable and meant for `switch` and logs; `message` is for people and never
/// contains the token itself.
public struct TokenVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the token was refused, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case missing, malformed, unsupportedAlgorithm, badSignature, expired, missingExpiry
            case notYetValid, wrongAudience, wrongIssuer, missingSubject, subjectMismatch
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// No token was presented at all.
        public static let missing = Code(.missing)
        /// The token is not a well-formed token (three base64url parts of JSON, for a JWT).
        public static let malformed = Code(.malformed)
        /// The token is signed with an algorithm the verifier does not accept (`none`, say).
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The signature does not match the token (forged, or signed with another key).
        public static let badSignature = Code(.badSignature)
        /// The token's expiry (`exp`) has passed.
        public static let expired = Code(.expired)
        /// The token has no expiry and the verifier requires one.
        public static let missingExpiry = Code(.missingExpiry)
        /// The token is not valid yet (`nbf` is in the future).
        public static let notYetValid = Code(.notYetValid)
        /// The token is meant for another audience (`aud`).
        public static let wrongAudience = Code(.wrongAudience)
        /// The token was issued by someone else (`iss`).
        public static let wrongIssuer = Code(.wrongIssuer)
        /// The token names no subject (`sub`).
        public static let missingSubject = Code(.missingSubject)
        /// The token is valid but its subject is not the identity it was used for (a CrossComm
        /// login under another client's id).
        public static let subjectMismatch = Code(.subjectMismatch)

        /// The code's name (`badSignature`, `expired`, …).
        public var description: String { "\(wrapped)" }
    }

    /// Why the token was refused.
    public var code: Code
    /// A human-readable explanation (never the token).
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
