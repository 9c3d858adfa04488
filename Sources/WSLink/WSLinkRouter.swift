public import Logging
public import MsgPack

/// The RPC table of a wslink server: method names to handlers, built once as a value and
/// handed to ``WSLinkServerAdapter``.
///
/// Handlers are plain Swift closures. Positional `args` fill the closure's parameters in
/// order; with `parameters:` names, `kwargs` fill them by name and defaults apply, as Python
/// binds `method(*args, **kwargs)`. Arguments decode through `Decodable` (`MsgPackValue` for
/// raw access, `[UInt8]` / ``MsgPack/MsgPackBinary`` for bytes); results encode through
/// `Encodable`. Handlers may be `async` and `throws`, and may take a ``WSLinkContext`` first.
///
/// ```swift
/// var router = WSLinkRouter()
/// router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
/// router.expose("viewport.render") { (context: WSLinkContext, size: [Int]) async throws -> MsgPackBinary in
///     context.logger.debug("render for \(context.clientID)")
///     return MsgPackBinary(try await renderer.render(width: size[0], height: size[1]))
/// }
/// let adapter = WSLinkServerAdapter(router: router, configuration: .init(secret: "wslink-secret"), logger: logger)
/// ```
///
/// Errors reach the caller as the Python server sends them: an unknown method is −32601 with
/// `data` = the method name, a thrown error (including arguments that do not fit) −32001 with
/// `data` = `{method, exception}`, a result that cannot be encoded −32002. A thrown
/// ``WSLinkRPCError`` is sent unchanged.
public struct WSLinkRouter: Sendable {
    /// One registered method.
    public struct Method: Sendable {
        /// The method's name.
        public let name: String
        let invoke: @Sendable (WSLinkCall, WSLinkContext) async throws -> MsgPackValue
    }

    private var table: [String: Method] = [:]

    /// An empty table.
    public init() {}

    /// The registered method names, sorted.
    public var methodNames: [String] { table.keys.sorted() }

    /// The method called `name`, if registered.
    public func method(_ name: String) -> Method? { table[name] }

    /// Whether `name` is a valid method name: dot-separated parts each matching
    /// `^[a-z][a-z0-9_]*$`, as Python's `@register` requires.
    public static func isValidMethodName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
            return part.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            }
        }
    }

    /// Registers a raw handler that sees the whole call (`*args, **kwargs` in Python) and
    /// returns a msgpack value. An invalid or duplicate name is a programming error (trap).
    public mutating func exposeRaw(
        _ name: String,
        _ handler: @escaping @Sendable (WSLinkCall, WSLinkContext) async throws -> MsgPackValue
    ) {
        precondition(Self.isValidMethodName(name), "wslink method name \(name) is not dot-separated [a-z][a-z0-9_]* parts")
        precondition(table[name] == nil, "wslink method \(name) is registered twice")
        table[name] = Method(name: name, invoke: handler)
    }

    /// Registers a typed handler. `parameters` names the closure's parameters (for `kwargs`
    /// and defaults); leave it empty to accept positional arguments only.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (repeat each Argument) async throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { call, _ in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try await handler(repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Registers a typed handler that also receives the call's ``WSLinkContext``.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (WSLinkContext, repeat each Argument) async throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { call, context in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try await handler(context, repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Adds every method of `other`; a name registered in both is a programming error.
    public mutating func merge(_ other: WSLinkRouter) {
        for (_, method) in other.table.sorted(by: { $0.key < $1.key }) {
            exposeRaw(method.name, method.invoke)
        }
    }

    /// Runs `call` and returns what goes on the wire: the result, or the wire error.
    public func dispatch(_ call: WSLinkCall, context: WSLinkContext) async -> Swift.Result<MsgPackValue, WSLinkRPCError> {
        guard let method = table[call.method] else { return .failure(.methodNotFound(call.method)) }
        do {
            return .success(try await method.invoke(call, context))
        } catch let error as WSLinkRPCError {
            return .failure(error)
        } catch let error as ResultEncodingFailure {
            context.logger.warning("result cannot be serialized", metadata: ["rpc.method": "\(call.method)", "error": "\(error.cause)"])
            return .failure(.resultNotSerializable(call.method))
        } catch {
            context.logger.info("handler threw", metadata: ["rpc.method": "\(call.method)", "error": "\(error)"])
            return .failure(.exception(method: call.method, description: "\(error)"))
        }
    }

    private static func arity<each Argument>(_ types: repeat (each Argument).Type) -> Int {
        var count = 0
        for _ in repeat each types { count += 1 }
        return count
    }

    private static func encodeResult<Result: Encodable>(_ result: Result) throws -> MsgPackValue {
        if let value = result as? MsgPackValue { return value }
        do {
            return try MsgPackEncoder().encodeToValue(result)
        } catch {
            throw ResultEncodingFailure(cause: error)
        }
    }
}

/// The result of a handler could not be encoded (→ −32002).
struct ResultEncodingFailure: Error {
    var cause: any Error
}

/// What a handler knows about its call: who called, how to publish, where to log.
public struct WSLinkContext: Sendable {
    /// The caller's client id (`c` + 32 hex digits).
    public let clientID: String
    /// The method being called.
    public let method: String
    /// Publishes to this server's clients.
    public let publisher: WSLinkPublisher
    /// A logger carrying the session's metadata and `rpc.method`.
    public let logger: Logger

    /// Creates a context (the adapter does this for every call; tests may too).
    public init(clientID: String, method: String, publisher: WSLinkPublisher, logger: Logger) {
        self.clientID = clientID
        self.method = method
        self.publisher = publisher
        self.logger = logger
    }
}
