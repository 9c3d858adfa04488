public import Logging
public import MsgPack
public import SwitchboardCore

/// The RPC table of a wslink server: method names to handlers, built once as a value and
/// handed to ``WSLinkServerAdapter``.
///
/// Handlers are plain Swift closures. Positional `args` fill the closure's parameters in
/// order; with `parameters:` names, `kwargs` fill them by name and defaults apply, as Python
/// binds `method(*args, **kwargs)`. Arguments decode through `Decodable` (`MsgPackValue` for
/// raw access, `[UInt8]` / `MsgPackBinary` for bytes); results encode through
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
        /// How a method runs: inline on the connection's event loop, or as async user work.
        enum Body: Sendable {
            case sync(@Sendable (WSLinkCall, WSLinkContext) throws -> MsgPackValue)
            case async(@Sendable (WSLinkCall, WSLinkContext) async throws -> MsgPackValue)
        }

        /// The method's name.
        public let name: String
        let body: Body

        /// Whether the method runs inline on the connection's event loop (it is not `async`).
        public var isSynchronous: Bool {
            if case .sync = body { return true }
            return false
        }
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
    ///
    /// A handler that is not `async` runs inline on the connection's event loop (no thread
    /// hop): keep it short and non-blocking. An `async` one runs as a task and its result is
    /// written when it returns.
    public mutating func exposeRaw(
        _ name: String,
        _ handler: @escaping @Sendable (WSLinkCall, WSLinkContext) throws -> MsgPackValue
    ) {
        register(Method(name: name, body: .sync(handler)))
    }

    /// Registers a raw `async` handler (see `exposeRaw(_:_:)`).
    public mutating func exposeRaw(
        _ name: String,
        _ handler: @escaping @Sendable (WSLinkCall, WSLinkContext) async throws -> MsgPackValue
    ) {
        register(Method(name: name, body: .async(handler)))
    }

    private mutating func register(_ method: Method) {
        precondition(Self.isValidMethodName(method.name), "wslink method name \(method.name) is not dot-separated [a-z][a-z0-9_]* parts")
        precondition(table[method.name] == nil, "wslink method \(method.name) is registered twice")
        table[method.name] = method
    }

    /// Registers a typed synchronous handler (run inline on the event loop). `parameters`
    /// names the closure's parameters (for `kwargs` and defaults); leave it empty to accept
    /// positional arguments only.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (repeat each Argument) throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { (call: WSLinkCall, _: WSLinkContext) throws -> MsgPackValue in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try handler(repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Registers a typed synchronous handler that also receives the call's ``WSLinkContext``.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (WSLinkContext, repeat each Argument) throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { (call: WSLinkCall, context: WSLinkContext) throws -> MsgPackValue in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try handler(context, repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Registers a typed `async` handler. `parameters` names the closure's parameters (for `kwargs`
    /// and defaults); leave it empty to accept positional arguments only.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (repeat each Argument) async throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { (call: WSLinkCall, _: WSLinkContext) async throws -> MsgPackValue in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try await handler(repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Registers a typed `async` handler that also receives the call's ``WSLinkContext``.
    public mutating func expose<each Argument: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ name: String,
        parameters: WSLinkParameter...,
        handler: @escaping @Sendable (WSLinkContext, repeat each Argument) async throws -> Result
    ) {
        let arity = Self.arity(repeat (each Argument).self)
        precondition(parameters.isEmpty || parameters.count == arity, "wslink method \(name): \(parameters.count) parameter names for \(arity) parameters")
        exposeRaw(name) { (call: WSLinkCall, context: WSLinkContext) async throws -> MsgPackValue in
            let reader = try WSLinkArgumentReader(call: call, parameters: parameters, arity: arity)
            let result = try await handler(context, repeat reader.next((each Argument).self))
            return try Self.encodeResult(result)
        }
    }

    /// Adds every method of `other`; a name registered in both is a programming error.
    public mutating func merge(_ other: WSLinkRouter) {
        for (_, method) in other.table.sorted(by: { $0.key < $1.key }) {
            register(method)
        }
    }

    /// Runs `call` and returns what goes on the wire: the result, or the wire error.
    public func dispatch(_ call: WSLinkCall, context: WSLinkContext) async -> Swift.Result<MsgPackValue, WSLinkRPCError> {
        guard let method = table[call.method] else { return .failure(.methodNotFound(call.method)) }
        switch method.body {
        case .sync(let body):
            return Self.outcome(of: call, context: context) { try body(call, context) }
        case .async(let body):
            do {
                return .success(try await body(call, context))
            } catch {
                return Self.failure(error, call: call, context: context)
            }
        }
    }

    /// Runs `call` inline when its method is synchronous (or unknown); `nil` when the method is
    /// `async` and must be dispatched with ``dispatch(_:context:)``.
    public func dispatchSynchronously(_ call: WSLinkCall, context: @autoclosure () -> WSLinkContext) -> Swift.Result<MsgPackValue, WSLinkRPCError>? {
        guard let method = table[call.method] else { return .failure(.methodNotFound(call.method)) }
        guard case .sync(let body) = method.body else { return nil }
        let context = context()
        return Self.outcome(of: call, context: context) { try body(call, context) }
    }

    private static func outcome(
        of call: WSLinkCall,
        context: WSLinkContext,
        _ body: () throws -> MsgPackValue
    ) -> Swift.Result<MsgPackValue, WSLinkRPCError> {
        do {
            return .success(try body())
        } catch {
            return failure(error, call: call, context: context)
        }
    }

    private static func failure(_ error: any Error, call: WSLinkCall, context: WSLinkContext) -> Swift.Result<MsgPackValue, WSLinkRPCError> {
        switch error {
        case let error as WSLinkRPCError:
            return .failure(error)
        case let error as ResultEncodingFailure:
            context.logger.warning("result cannot be serialized", metadata: ["rpc.method": "\(call.method)", "error": "\(error.cause)"])
            return .failure(.resultNotSerializable(call.method))
        default:
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
    /// The caller's verified token (its subject and claims) when the server authenticates
    /// wslink with a ``WSLinkServerConfiguration/tokenVerifier`` (`Protocols.md` §9); `nil` otherwise.
    public let token: VerifiedToken?

    /// Creates a context (the adapter does this for every call; tests may too).
    public init(clientID: String, method: String, publisher: WSLinkPublisher, logger: Logger, token: VerifiedToken? = nil) {
        self.clientID = clientID
        self.method = method
        self.publisher = publisher
        self.logger = logger
        self.token = token
    }
}
