public import SwitchboardCore

/// Why an inbound frame is not a valid siyi message, and what can still be answered.
///
/// ``type`` and ``id`` are filled when the frame was a JSON object whose `type` and `id`
/// survived, so the receiver can send an error response to a malformed request (decision S3)
/// or fail the pending request a malformed response was meant for.
public struct SiyiDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem, as a stable, extensible code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Sendable, Hashable {
            case invalidJSON, notAnObject, unknownType, invalidID, invalidField
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The text is not JSON (or exceeds the parse limits).
        public static let invalidJSON = Code(.invalidJSON)
        /// The JSON is not an object.
        public static let notAnObject = Code(.notAnObject)
        /// `type` is missing or not `request`, `response` or `event`.
        public static let unknownType = Code(.unknownType)
        /// `id` is present but not a string.
        public static let invalidID = Code(.invalidID)
        /// A field has the wrong type (`params` a list, `command` missing, bad `status`…).
        public static let invalidField = Code(.invalidField)

        /// The code's name.
        public var description: String { "\(wrapped)" }
    }

    /// What went wrong.
    public var code: Code
    /// A message fit for an error response, e.g. `invalid request: params must be an object or null`.
    public var message: String
    /// The `type` field, when it was a string.
    public var type: String?
    /// The `id` as received (string or number), when one was present.
    public var id: JSONValue?

    /// Creates an error.
    public init(_ code: Code, _ message: String, type: String? = nil, id: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.type = type
        self.id = id
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
