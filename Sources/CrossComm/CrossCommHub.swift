public import Logging
public import SwitchboardCore
import Foundation
import Synchronization

/// The CrossComm hub: a server for pywayne `cross_comm` clients and ``CrossCommClient``s,
/// wire-compatible with pywayne's server and without its bugs (see `Protocols.md` §5).
///
/// Install it as the `crosscomm` adapter; register listeners and send from the server side:
///
/// ```swift
/// let hub = CrossCommHub(configuration: .init(offlineQueue: .init()), logger: logger)
/// hub.onMessage(type: .text) { message in print(message.from, message.text ?? "") }
/// let server = SwitchboardServer(transport: transport, adapters: [hub], logger: logger)
/// // later, from anywhere:
/// hub.broadcast(.string("maintenance at 5"), type: .text)
/// hub.onlineClients()   // ["alice", "bob"]
/// ```
///
/// Routing state lives in one ``CrossCommHubStateMachine`` under a lock; each connection's
/// protocol logic runs on its event loop (`CrossCommConnectionHandler`). Frames for other
/// clients are queued on their sessions without waiting — one encoded frame for all
/// recipients, found through the server's `SessionManager` — so one slow
/// receiver never stalls a sender or anyone else.
public final class CrossCommHub: ProtocolAdapter {
    /// A server-side message listener.
    public typealias Listener = @Sendable (CrossCommMessage) async -> Void

    struct Registration: Sendable {
        var type: CrossCommMessageType?
        var from: String?
        var listener: Listener
    }

    /// `crosscomm`, the adapter name routes refer to.
    public let name: String
    /// The configuration in force.
    public let configuration: Configuration

    let state: Mutex<CrossCommHubStateMachine>
    /// Where the table and queue are kept, after ``restore(from:)`` (`CrossCommHub+Persistence.swift`).
    let store = Mutex<(any CrossCommStateStore)?>(nil)
    let manager = Mutex<SessionManager?>(nil)
    /// The cluster's broker once ``attach(cluster:sessions:)`` was called.
    let broker = Mutex<(any Broker)?>(nil)
    private let listeners = Mutex<[Registration]>([])
    /// The token each logged-in connection presented, with token-bound logins (§5.9).
    let credentials = Mutex<[ConnectionID: String]>([:])
    let logger: Logger

    /// Creates a hub.
    public init(name: String = "crosscomm", configuration: Configuration = .default, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.state = Mutex(CrossCommHubStateMachine(configuration: configuration))
        self.logger = logger
    }

    // MARK: - Server-side API

    /// Calls `listener` for every data message a client sends through the hub (to anyone,
    /// including `server`), filtered by type and sender when given. Listeners run after the
    /// message was forwarded, one message at a time per sender: while they run, that sender's
    /// later messages wait (a slow listener delays only that sender).
    public func onMessage(type: CrossCommMessageType? = nil, from: String? = nil, _ listener: @escaping Listener) {
        listeners.withLock { $0.append(Registration(type: type, from: from, listener: listener)) }
    }

    /// Sends a message from `server` to one client (or ``CrossCommMessage/everyone``).
    /// Returns how many clients it was queued for (0 when the target is offline and not queued).
    @discardableResult
    public func send(_ content: JSONValue, type: CrossCommMessageType, to target: String) -> Int {
        let message = CrossCommMessage(type: type, content: content, from: CrossCommMessage.server, to: target,
                                       id: CrossCommIDs.messageID(sender: state.withLock { $0.serverID }, at: Date().timeIntervalSince1970))
        return execute(mutate { $0.send(message, now: .now) }, origin: nil)
    }

    /// Sends a message from `server` to every online client.
    @discardableResult
    public func broadcast(_ content: JSONValue, type: CrossCommMessageType) -> Int {
        send(content, type: type, to: CrossCommMessage.everyone)
    }

    /// Online client ids in first-login order.
    public func onlineClients() -> [String] { state.withLock { $0.onlineClients } }

    /// The client table (online and recently offline) in first-login order.
    public func clients() -> [CrossCommHubStateMachine.ClientRecord] { state.withLock { $0.records } }

    /// Counters since the hub was created.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    // MARK: - Connections

    /// A handler for one new connection (see `CrossCommConnectionHandler`).
    public func makeHandler(for session: Session) -> any ConnectionHandler {
        if let sessions = session.manager { manager.withLock { $0 = sessions } }
        return CrossCommConnectionHandler(hub: self, session: session)
    }

    /// The listeners that want `message`.
    func listeners(for message: CrossCommMessage) -> [Listener] {
        listeners.withLock { registrations in
            registrations.filter { registration in
                (registration.type == nil || registration.type == message.type)
                    && (registration.from == nil || registration.from == message.from)
            }.map(\.listener)
        }
    }

    /// Whether any listener is registered (the common benchmark path has none).
    var hasListeners: Bool { listeners.withLock { !$0.isEmpty } }

    /// Runs the non-reply actions: deliveries (one encoded frame for all targets), closes,
    /// drop logs. Replies and listeners are the connection handler's.
    @discardableResult
    func execute(_ actions: [CrossCommHubStateMachine.Action], origin: Session?) -> Int {
        var queued = 0
        let sessions = manager.withLock { $0 }
        for action in actions {
            switch action {
            case .deliver(let message, let targets):
                guard let sessions else { continue }
                let recipients = targets.compactMap { sessions.session($0) }
                queued += SessionManager.deliver(message.frame, to: recipients).delivered
            case .close(let target, let code, let reason):
                let recipient = sessions?.session(target)
                recipient?.sessionLogger.info("closing crosscomm connection", metadata: ["close.code": "\(code)", "close.reason": "\(reason)"])
                recipient?.close(code: code, reason: reason)
            case .drop(let reason):
                (origin?.sessionLogger ?? logger).notice("dropped message", metadata: ["reason": "\(reason)"])
            case .cluster(let event):
                publish(event)
            case .reply, .notifyListeners:
                break
            }
        }
        return queued
    }
}
