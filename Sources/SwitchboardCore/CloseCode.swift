/// A WebSocket close code with its meaning for clients: reconnect, or stop for good.
///
/// Standard codes come from RFC 6455 §7.4. Switchboard's own codes live in the private range:
/// 4000–4499 tell a client to reconnect (after backoff), 4500–4999 tell it not to. The table in
/// `Protocols.md` is normative; keep the two in step.
public struct CloseCode: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The numeric code sent in the close frame.
    public let rawValue: UInt16

    /// Wraps a numeric close code.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// 1000: the session ended on purpose; nothing to retry.
    public static let normal = CloseCode(rawValue: 1000)
    /// 1001: the server is shutting down or restarting; reconnect.
    public static let goingAway = CloseCode(rawValue: 1001)
    /// 1002: the peer broke the WebSocket protocol.
    public static let protocolError = CloseCode(rawValue: 1002)
    /// 1003: a frame type the endpoint does not accept (e.g. text on a binary-only protocol).
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// 1006: no close frame was received (never sent on the wire; reported locally).
    public static let abnormal = CloseCode(rawValue: 1006)
    /// 1007: a text message was not valid UTF-8.
    public static let invalidPayload = CloseCode(rawValue: 1007)
    /// 1008: a policy was violated (e.g. a request to a path that takes no WebSocket).
    public static let policyViolation = CloseCode(rawValue: 1008)
    /// 1009: a message exceeded the configured maximum size.
    public static let messageTooBig = CloseCode(rawValue: 1009)
    /// 1011: the server hit an unexpected condition.
    public static let internalError = CloseCode(rawValue: 1011)
    /// 1012: the server is restarting; reconnect.
    public static let serviceRestart = CloseCode(rawValue: 1012)
    /// 1013: the server is overloaded; reconnect later.
    public static let tryAgainLater = CloseCode(rawValue: 1013)

    /// 4001: the peer missed its heartbeats; reconnect.
    public static let heartbeatTimeout = CloseCode(rawValue: 4001)
    /// 4002: the peer read too slowly and its outbound queue overflowed; reconnect.
    public static let slowConsumer = CloseCode(rawValue: 4002)
    /// 4500: the port or path has no protocol adapter installed; retrying cannot help.
    public static let adapterUnavailable = CloseCode(rawValue: 4500)
    /// 4501: a newer connection logged in with the same identity; do not reconnect (the two
    /// clients would evict each other forever).
    public static let replaced = CloseCode(rawValue: 4501)
    /// 4502: authentication failed; retrying with the same credentials cannot help.
    public static let unauthorized = CloseCode(rawValue: 4502)

    /// Whether a client that sees this code should reconnect (with backoff).
    public var shouldReconnect: Bool {
        switch rawValue {
        case 1001, 1006, 1011, 1012, 1013: true
        case 4000..<4500: true
        default: false
        }
    }

    /// Whether the code may be sent in a close frame: RFC 6455 §7.4.1 reserves 1005, 1006 and
    /// 1015 for local reporting, and only 1000–4999 are defined at all.
    public var isSendable: Bool {
        switch rawValue {
        case 1005, 1006, 1015: false
        default: (1000...4999).contains(rawValue)
        }
    }

    /// The code's name as used in `Protocols.md`, or its number for codes without one.
    public var description: String {
        switch self {
        case .normal: "normal(1000)"
        case .goingAway: "goingAway(1001)"
        case .protocolError: "protocolError(1002)"
        case .unsupportedData: "unsupportedData(1003)"
        case .abnormal: "abnormal(1006)"
        case .invalidPayload: "invalidPayload(1007)"
        case .policyViolation: "policyViolation(1008)"
        case .messageTooBig: "messageTooBig(1009)"
        case .internalError: "internalError(1011)"
        case .serviceRestart: "serviceRestart(1012)"
        case .tryAgainLater: "tryAgainLater(1013)"
        case .heartbeatTimeout: "heartbeatTimeout(4001)"
        case .slowConsumer: "slowConsumer(4002)"
        case .adapterUnavailable: "adapterUnavailable(4500)"
        case .replaced: "replaced(4501)"
        case .unauthorized: "unauthorized(4502)"
        default: "\(rawValue)"
        }
    }
}
