public import MsgPack

/// One wslink message (spec §3): a request, a result, an error, or a publish.
///
/// Encoding follows the wire exactly: `"wslink": "1.0"` first, then `id`, then `method`,
/// `args`, `kwargs` (requests) or `result` / `error` (replies); `error.data` only when truthy.
/// Publishes are results at `publish:<topic>:0`.
///
/// ```swift
/// let call = WSLinkEnvelope.request(WSLinkRequest(id: "rpc:c1:0", method: "demo.add", args: [2, 3]))
/// let payload = call.value.encoded()
/// let back = try WSLinkEnvelope(decoding: payload)
/// ```
public enum WSLinkEnvelope: Sendable, Hashable {
    /// A call (client → server), or with a `nil` id a notification such as the 1.x attachment header.
    case request(WSLinkRequest)
    /// A successful reply, or a publish when the id is `publish:<topic>:0`.
    case result(id: String, result: MsgPackValue)
    /// A failed reply.
    case error(id: String, error: WSLinkRPCError)

    /// The protocol marker every envelope carries (a string, not a number).
    public static let version = "1.0"
    /// The fixed id of the hello.
    public static let helloID = "system:c0:0"
    /// The hello method.
    public static let helloMethod = "wslink.hello"

    /// A publish of `value` on `topic` (`publish:<topic>:0`; the counter is always 0).
    public static func publish(topic: String, _ value: MsgPackValue) -> WSLinkEnvelope {
        .result(id: "publish:\(topic):0", result: value)
    }

    /// The message's id, if it has one.
    public var id: String? {
        switch self {
        case .request(let request): request.id
        case .result(let id, _), .error(let id, _): id
        }
    }

    /// The envelope as a msgpack map in wire key order.
    public var value: MsgPackValue {
        var pairs: [(key: MsgPackValue, value: MsgPackValue)] = [(key: "wslink", value: .string(Self.version))]
        switch self {
        case .request(let request):
            if let id = request.id { pairs.append((key: "id", value: .string(id))) }
            pairs.append((key: "method", value: .string(request.method)))
            pairs.append((key: "args", value: .array(request.args)))
            if let kwargs = request.kwargs { pairs.append((key: "kwargs", value: kwargs.value)) }
        case .result(let id, let result):
            pairs.append((key: "id", value: .string(id)))
            pairs.append((key: "result", value: result))
        case .error(let id, let error):
            pairs.append((key: "id", value: .string(id)))
            pairs.append((key: "error", value: error.value))
        }
        return .map(pairs)
    }

    /// The canonical msgpack payload (2.x), before chunking.
    public func encoded() -> [UInt8] { value.encoded() }

    /// Decodes a 2.x payload. Throws ``WSLinkError/Code/malformedPayload`` for bad msgpack and
    /// ``WSLinkError/Code/invalidEnvelope`` (with ``WSLinkError/requestID`` when an id was
    /// readable) for a value that is not an envelope.
    public init(decoding payload: [UInt8], limits: MsgPackDecodingLimits = .default) throws(WSLinkError) {
        let value: MsgPackValue
        do {
            value = try MsgPackValue(decoding: payload, limits: limits)
        } catch {
            throw WSLinkError(code: .malformedPayload, message: "message is not valid msgpack: \(error)", cause: error)
        }
        try self.init(value)
    }

    /// Reads an envelope from a decoded value (either generation).
    ///
    /// Like the Python server, a non-list `args` or non-map `kwargs` in a request is an error
    /// here only when ``WSLinkRequest/args`` cannot be formed: `args` must be a list (the
    /// error names the id so the server can answer), `kwargs` must be a map with string keys.
    public init(_ value: MsgPackValue) throws(WSLinkError) {
        guard case .map = value else {
            throw WSLinkError(code: .invalidEnvelope, message: "message is not a map")
        }
        let rawID = value["id"]
        if let rawID, !rawID.isNil, rawID.stringValue == nil {
            throw WSLinkError(code: .invalidEnvelope, message: "id is not a string")
        }
        let id = rawID?.stringValue
        if let id, let error = value["error"], !error.isNil {
            guard let rpcError = WSLinkRPCError(error) else {
                throw WSLinkError(code: .invalidEnvelope, message: "error is not {code, message}", requestID: id)
            }
            self = .error(id: id, error: rpcError)
            return
        }
        guard let methodValue = value["method"] else {
            guard let id else { throw WSLinkError(code: .invalidEnvelope, message: "message has neither id nor method") }
            if let result = value["result"] {
                self = .result(id: id, result: result)
                return
            }
            throw WSLinkError(code: .invalidEnvelope, message: "request without method", requestID: id)
        }
        guard let method = methodValue.stringValue else {
            throw WSLinkError(code: .invalidEnvelope, message: "method is not a string", requestID: id)
        }
        var args: [MsgPackValue] = []
        if let rawArgs = value["args"], !rawArgs.isNil {
            guard let list = rawArgs.arrayValue else {
                throw WSLinkError(code: .invalidEnvelope, message: "args is not a list", requestID: id)
            }
            args = list
        }
        var kwargs: WSLinkKeywords?
        if let rawKwargs = value["kwargs"], !rawKwargs.isNil {
            guard let keywords = WSLinkKeywords(rawKwargs) else {
                throw WSLinkError(code: .invalidEnvelope, message: "kwargs is not a map with string keys", requestID: id)
            }
            kwargs = keywords
        }
        self = .request(WSLinkRequest(id: id, method: method, args: args, kwargs: kwargs))
    }
}

/// A call: `{wslink, id, method, args, kwargs}`.
public struct WSLinkRequest: Sendable, Hashable {
    /// `rpc:<clientID>:<n>`, `system:c0:0`, or `nil` for a notification (1.x attachment header).
    public var id: String?
    /// The method name, e.g. `demo.add`.
    public var method: String
    /// Positional arguments.
    public var args: [MsgPackValue]
    /// Keyword arguments; `nil` leaves the key out (the JS client always sends `{}`).
    public var kwargs: WSLinkKeywords?

    /// Creates a request. The JS client always sends `kwargs`, so it defaults to empty.
    public init(id: String?, method: String, args: [MsgPackValue] = [], kwargs: WSLinkKeywords? = WSLinkKeywords()) {
        self.id = id
        self.method = method
        self.args = args
        self.kwargs = kwargs
    }
}

/// Keyword arguments in the order they were written.
public struct WSLinkKeywords: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The name/value pairs in order.
    public var pairs: [Pair]

    /// One keyword argument.
    public struct Pair: Sendable, Hashable {
        /// The parameter name.
        public var name: String
        /// The value.
        public var value: MsgPackValue
    }

    /// No keyword arguments.
    public init() { pairs = [] }

    /// `["b": 2]`.
    public init(dictionaryLiteral elements: (String, MsgPackValue)...) {
        pairs = elements.map { Pair(name: $0.0, value: $0.1) }
    }

    /// Reads a msgpack map with string keys; `nil` for anything else.
    public init?(_ value: MsgPackValue) {
        guard let map = value.mapValue else { return nil }
        var pairs: [Pair] = []
        for (key, value) in map {
            guard let name = key.stringValue else { return nil }
            pairs.append(Pair(name: name, value: value))
        }
        self.pairs = pairs
    }

    /// The value named `name` (the last one, if repeated, as a Python dict keeps).
    public subscript(name: String) -> MsgPackValue? {
        pairs.last { $0.name == name }?.value
    }

    /// The names, in order.
    public var names: [String] { pairs.map(\.name) }

    /// Whether there are none.
    public var isEmpty: Bool { pairs.isEmpty }

    /// The keywords as a msgpack map.
    public var value: MsgPackValue { .map(pairs.map { (key: .string($0.name), value: $0.value) }) }
}
