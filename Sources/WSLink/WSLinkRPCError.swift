public import MsgPack

/// The `error` object of a wslink reply: `{code, message[, data]}`.
///
/// The codes and messages are the Python server's (spec §6); `Protocols.md` §4 lists them.
/// Throw one from a handler to send it to the caller unchanged:
///
/// ```swift
/// router.expose("scene.load") { (name: String) in
///     guard name.hasSuffix(".vtk") else { throw WSLinkRPCError(code: -32602, message: "not a .vtk file", data: .string(name)) }
///     return true
/// }
/// ```
public struct WSLinkRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The numeric error code.
    public var code: Int
    /// The human-readable message.
    public var message: String
    /// Extra detail; written only when truthy (Python omits `None`, `""`, `0`, empty containers).
    public var data: MsgPackValue?

    /// Creates a wire error.
    public init(code: Int, message: String, data: MsgPackValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// −32000: the hello's secret was refused.
    public static let authenticationFailedCode = -32000
    /// −32601: no such method (also unknown system methods).
    public static let methodNotFoundCode = -32601
    /// −32602: the request's arguments are not usable (`args` not a list, a missing 1.x attachment).
    public static let invalidParamsCode = -32602
    /// −32600: the request has an `id` but no string `method`.
    public static let invalidRequestCode = -32600
    /// −32001: the handler threw.
    public static let exceptionCode = -32001
    /// −32002: the handler's result cannot be encoded.
    public static let resultSerializeCode = -32002
    /// −32099: a client-side failure (connection not open, timeout); never sent on the wire.
    public static let clientErrorCode = -32099

    /// `-32000 Authentication failed` (the hello was refused).
    public static let authenticationFailed = WSLinkRPCError(code: authenticationFailedCode, message: "Authentication failed")
    /// `-32000 Unauthorized: Skip message processing` (a request before a successful hello).
    public static let unauthorized = WSLinkRPCError(code: authenticationFailedCode, message: "Unauthorized: Skip message processing")
    /// `-32601 Unknown system method called` (a `system:` id with a method other than `wslink.hello`).
    public static let unknownSystemMethod = WSLinkRPCError(code: methodNotFoundCode, message: "Unknown system method called")

    /// `-32601 Unregistered method called`, data = the method name.
    public static func methodNotFound(_ method: String) -> WSLinkRPCError {
        WSLinkRPCError(code: methodNotFoundCode, message: "Unregistered method called", data: .string(method))
    }

    /// `-32001 Exception raised`, data = `{method, exception}`.
    public static func exception(method: String, description: String) -> WSLinkRPCError {
        WSLinkRPCError(code: exceptionCode, message: "Exception raised", data: ["method": .string(method), "exception": .string(description)])
    }

    /// `-32002 Method result cannot be serialized`, data = the method name.
    public static func resultNotSerializable(_ method: String) -> WSLinkRPCError {
        WSLinkRPCError(code: resultSerializeCode, message: "Method result cannot be serialized", data: .string(method))
    }

    /// The error object as a msgpack map in wire order; `data` only when truthy.
    public var value: MsgPackValue {
        var pairs: [(key: MsgPackValue, value: MsgPackValue)] = [
            (key: "code", value: .integer(code)), (key: "message", value: .string(message)),
        ]
        if let data, data.isTruthy { pairs.append((key: "data", value: data)) }
        return .map(pairs)
    }

    /// Reads an error object; `nil` unless it is a map with an integer `code`.
    public init?(_ value: MsgPackValue) {
        guard let code = value["code"]?.intValue else { return nil }
        self.init(code: code, message: value["message"]?.stringValue ?? "", data: value["data"].flatMap { $0.isNil ? nil : $0 })
    }

    /// `-32601 Unregistered method called (no.such.method)`.
    public var description: String {
        if let data { return "\(code) \(message) (\(data))" }
        return "\(code) \(message)"
    }
}

extension MsgPackValue {
    /// Python truthiness: `None`, `False`, zero, and empty strings, bytes and containers are false.
    var isTruthy: Bool {
        switch self {
        case .nil: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .uint(let value): value != 0
        case .float(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .binary(let value): !value.isEmpty
        case .array(let value): !value.isEmpty
        case .map(let value): !value.isEmpty
        case .ext, .timestamp: true
        }
    }
}
