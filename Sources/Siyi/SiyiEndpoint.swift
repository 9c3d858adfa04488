import Logging
import SwitchboardCore
import Synchronization

/// The handler registration shared by ``SiyiServer`` and ``SiyiClient``: either side answers
/// requests and receives events the same way.
///
/// ```swift
/// server.register("echo") { params, peer in params }
/// client.register("get_status") { _, _ in .object([.init(key: "status", value: .string("running"))]) }
/// server.onEvent("player_update") { data, peer in … }
/// ```
public protocol SiyiEndpoint: Sendable {
    /// The endpoint's handlers (register through the methods below).
    var handlers: SiyiHandlerTable { get }
}

/// The handler table of one ``SiyiEndpoint``. Registration may happen at any time; each
/// message uses the handlers registered when it arrives.
public final class SiyiHandlerTable: Sendable {
    private let router = Mutex(SiyiRouter())
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Bumped by every registration, so a connection can keep its copy of the table until it
    /// changes instead of copying it (under the lock) for every message.
    private let version = Atomic<UInt64>(0)

    var snapshot: SiyiRouter { router.withLock { $0 } }

    /// The table's version (see ``SiyiRouterCache``).
    var currentVersion: UInt64 { version.load(ordering: .acquiring) }

    func update(_ body: (inout SiyiRouter) -> Void) {
        router.withLock { body(&$0) }
        version.add(1, ordering: .releasing)
    }
}

/// One connection's copy of its endpoint's handler table, refreshed when a registration
/// changed it (an atomic load per message instead of a lock and a copy).
struct SiyiRouterCache {
    private var router: SiyiRouter?
    private var version: UInt64 = .max

    mutating func current(_ table: SiyiHandlerTable) -> SiyiRouter {
        let latest = table.currentVersion
        if let router, latest == version { return router }
        let fresh = table.snapshot
        router = fresh
        version = latest
        return fresh
    }
}

extension SiyiEndpoint {
    /// Answers `command` with `handler`'s return value as `data`; a thrown error becomes
    /// `status:"error"` (``SiyiError/failure(_:)`` sets the text; other errors send their
    /// description). Replaces an earlier handler for the command.
    public func register(_ command: String, _ handler: @escaping SiyiRequestHandler) {
        handlers.update { router in
            router.commands[command] = handler
            router.syncCommands[command] = nil
        }
    }

    /// Answers `command` with a synchronous handler, run inline on the connection's event loop
    /// (no thread hop); otherwise as `register(_:_:)`.
    public func register(_ command: String, _ handler: @escaping SiyiSyncRequestHandler) {
        handlers.update { router in
            router.syncCommands[command] = handler
            router.commands[command] = nil
        }
    }

    /// Typed variant: `params` decoded as `Params` (a decoding failure is answered as an
    /// error response), the result encoded as `data`.
    ///
    /// ```swift
    /// struct Add: Codable { var a: Int; var b: Int }
    /// server.register("add", as: Add.self) { add, _ in add.a + add.b }
    /// ```
    public func register<Params: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ command: String,
        as type: Params.Type,
        _ handler: @escaping @Sendable (Params, SiyiPeer) async throws -> Result
    ) {
        register(command) { params, peer in
            let value = try SiyiCoding.value(Params.self, from: params)
            return try SiyiCoding.json(from: try await handler(value, peer))
        }
    }

    /// Answers every command without its own handler. Without a fallback they are answered
    /// `status:"error"`, `error:"unknown command <name>"`.
    public func registerFallback(_ handler: @escaping SiyiFallbackHandler) {
        handlers.update { $0.fallback = handler }
    }

    /// Delivers events named `name` to `handler` (replacing an earlier one).
    public func onEvent(_ name: String, _ handler: @escaping SiyiEventHandler) {
        handlers.update { $0.events[name] = handler }
    }

    /// Typed variant: `data` decoded as `Payload`; events that do not decode are logged and
    /// dropped.
    public func onEvent<Payload: Decodable & SendableMetatype>(
        _ name: String,
        as type: Payload.Type,
        _ handler: @escaping @Sendable (Payload, SiyiPeer) async -> Void
    ) {
        let logger = handlers.logger
        onEvent(name) { data, peer in
            do {
                await handler(try SiyiCoding.value(Payload.self, from: data), peer)
            } catch {
                logger.warning("event dropped: data does not decode", metadata: ["siyi.event": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// Delivers every event without its own handler (such events are ignored otherwise).
    public func onAnyEvent(_ handler: @escaping SiyiEventFallbackHandler) {
        handlers.update { $0.eventFallback = handler }
    }
}
