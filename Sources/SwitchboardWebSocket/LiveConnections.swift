import NIOCore
import SwitchboardCore
import Synchronization

/// The transport's table of open WebSocket connections: counted for `connectionCount`,
/// closed at the end of a graceful drain. Touched once when a connection opens and once when
/// it closes, never per message. Lock: `state`.
final class LiveConnections: Sendable {
    private struct Entry {
        var session: Session
        var channel: any Channel
    }

    private struct State {
        var entries: [ConnectionID: Entry] = [:]
        var draining = false
    }

    private let state = Mutex(State())
    private let changes = ChangeNotifier()

    var count: Int { state.withLock { $0.entries.count } }

    /// Whether new upgrades are refused (graceful shutdown has begun).
    var isDraining: Bool { state.withLock { $0.draining } }

    func add(_ id: ConnectionID, session: Session, channel: any Channel) {
        state.withLock { $0.entries[id] = Entry(session: session, channel: channel) }
    }

    func remove(_ id: ConnectionID) {
        state.withLock { $0.entries[id] = nil }
        changes.notify()
    }

    func beginDraining() {
        state.withLock { $0.draining = true }
    }

    /// Returns once no connection is open, or when the task is cancelled.
    func waitUntilEmpty() async {
        await changes.wait { state.withLock { $0.entries.isEmpty } }
    }

    /// Asks every remaining connection to close at once with `code` (queues discarded).
    func abortAll(code: CloseCode, reason: String) {
        for entry in state.withLock({ Array($0.entries.values) }) {
            entry.session.abort(code: code, reason: reason)
        }
    }

    /// Drops every remaining connection without a handshake.
    func closeAll() {
        for entry in state.withLock({ Array($0.entries.values) }) {
            entry.channel.close(promise: nil)
        }
    }
}
