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
/// Routing state lives in one ``CrossCommHubStateMachine`` under a lock; frames for other
/// clients are queued on their sessions without waiting (`Session.offer`), so one slow
/// receiver never stalls a sender or anyone else.
public final class CrossCommHub: ProtocolAdapter {
    /// A server-side message listener.
    public typealias Listener = @Sendable (CrossCommMessage) async -> Void

    private struct Registration: Sendable {
        var type: CrossCommMessageType?
        var from: String?
        var listener: Listener
    }

    /// `crosscomm`, the adapter name routes refer to.
    public let name: String
    /// The configuration in force.
    public let configuration: Configuration

    private let state: Mutex<CrossCommHubStateMachine>
    private let sessions = Mutex<[ConnectionID: Session]>([:])
    private let listeners = Mutex<[Registration]>([])
    private let logger: Logger

    /// Creates a hub.
    public init(name: String = "crosscomm", configuration: Configuration = .default, logger: Logger) {
        self.name = name
        self.configuration = configuration
        self.state = Mutex(CrossCommHubStateMachine(configuration: configuration))
        self.logger = logger
    }

    // MARK: - Server-side API

    /// Calls `listener` for every data message a client sends through the hub (to anyone,
    /// including `server`), filtered by type and sender when given. Listeners run on the
    /// sending connection's task, after the message was forwarded: a slow listener delays
    /// only that sender's later messages.
    public func onMessage(type: CrossCommMessageType? = nil, from: String? = nil, _ listener: @escaping Listener) {
        listeners.withLock { $0.append(Registration(type: type, from: from, listener: listener)) }
    }

    /// Sends a message from `server` to one client (or ``CrossCommMessage/everyone``).
    /// Returns how many clients it was queued for (0 when the target is offline and not queued).
    @discardableResult
    public func send(_ content: JSONValue, type: CrossCommMessageType, to target: String) -> Int {
        let message = CrossCommMessage(type: type, content: content, from: CrossCommMessage.server, to: target,
                                       id: CrossCommIDs.messageID(sender: state.withLock { $0.serverID }, at: Date().timeIntervalSince1970))
        return execute(state.withLock { $0.send(message, now: .now) }, origin: nil)
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

    /// Serves one connection: decodes frames, routes them, and closes the connection when it
    /// falls silent past the heartbeat deadline.
    public func handle(_ connection: Connection, session: Session) async {
        let id = connection.info.id
        sessions.withLock { $0[id] = session }
        let monitor = Liveness(HeartbeatMonitor(policy: configuration.heartbeat, sendsHeartbeats: false, now: .now))
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watchLiveness(of: session, monitor: monitor) }
            do {
                for try await frame in connection.inbound {
                    monitor.state.withLock { $0.peerWasHeard(at: .now) }
                    if await !receive(frame, session: session) { break }
                }
            } catch {
                session.sessionLogger.debug("crosscomm connection ended", metadata: ["error": "\(error)"])
            }
            group.cancelAll()
        }
        _ = execute(state.withLock { $0.connectionClosed(id, now: .now) }, origin: session)
        sessions.withLock { $0[id] = nil }
    }

    /// Returns false when the connection must stop reading (it is being closed).
    private func receive(_ frame: Frame, session: Session) async -> Bool {
        let message: CrossCommMessage
        do {
            message = try CrossCommMessage(decoding: frame, maxBytes: configuration.maxMessageBytes)
        } catch where error.code == .messageTooLarge {
            state.withLock { $0.recordOversized() }
            session.sessionLogger.notice("closing: message too large", metadata: ["message.bytes": "\(frame.byteCount)"])
            // Offline before the close frame leaves: a peer that sees the 1009 and then asks for
            // the client list must not find the closed client still online.
            _ = execute(state.withLock { $0.connectionClosed(session.id, now: .now) }, origin: session)
            session.close(code: .messageTooBig, reason: "frame exceeds limit of \(configuration.maxMessageBytes) bytes")
            return false
        } catch {
            state.withLock { $0.recordInvalid() }
            session.sessionLogger.notice("dropped invalid message", metadata: ["error": "\(error)"])
            return true
        }
        let actions = state.withLock { $0.receive(message, on: session.id, wall: Date().timeIntervalSince1970, now: .now) }
        // In order: a login's reply must precede the offline messages queued behind it.
        for action in actions {
            switch action {
            case .reply(let reply):
                do { try await session.send(reply.frame) } catch { return false }
            case .notifyListeners(let message):
                await notifyListeners(message)
            default:
                execute([action], origin: session)
            }
        }
        return !session.isClosing
    }

    /// Runs the non-waiting actions: deliveries, closes, drop logs. Replies and listeners are
    /// awaited by the caller on the sender's task.
    @discardableResult
    private func execute(_ actions: [CrossCommHubStateMachine.Action], origin: Session?) -> Int {
        var queued = 0
        for action in actions {
            switch action {
            case .deliver(let message, let targets):
                let frame = message.frame
                let recipients = sessions.withLock { table in targets.compactMap { table[$0] } }
                for recipient in recipients where recipient.offer(frame).isDelivered { queued += 1 }
            case .close(let target, let code, let reason):
                let recipient = sessions.withLock { $0[target] }
                recipient?.sessionLogger.info("closing crosscomm connection", metadata: ["close.code": "\(code)", "close.reason": "\(reason)"])
                recipient?.close(code: code, reason: reason)
            case .drop(let reason):
                (origin?.sessionLogger ?? logger).notice("dropped message", metadata: ["reason": "\(reason)"])
            case .reply, .notifyListeners:
                break
            }
        }
        return queued
    }

    private func notifyListeners(_ message: CrossCommMessage) async {
        let matching = listeners.withLock { $0 }.filter { registration in
            (registration.type == nil || registration.type == message.type)
                && (registration.from == nil || registration.from == message.from)
        }
        for registration in matching { await registration.listener(message) }
    }

    private func watchLiveness(of session: Session, monitor: Liveness) async {
        while !Task.isCancelled {
            switch monitor.state.withLock({ $0.tick(now: .now) }) {
            case .wait(let deadline), .sendHeartbeat(let deadline):
                do { try await Task.sleep(until: deadline) } catch { return }
            case .expired:
                session.sessionLogger.info("closing: heartbeat timeout")
                execute(state.withLock { $0.heartbeatExpired(session.id, now: .now) }, origin: session)
                return
            }
        }
    }
}

/// One connection's heartbeat monitor, shared by its read loop and its liveness watcher.
private final class Liveness: Sendable {
    let state: Mutex<HeartbeatMonitor>
    init(_ monitor: HeartbeatMonitor) { state = Mutex(monitor) }
}
