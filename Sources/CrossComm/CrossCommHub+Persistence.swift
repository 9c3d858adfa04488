import Foundation
import Logging
import Synchronization

extension CrossCommHub {
    /// Loads the client table and offline queue `store` kept, and keeps every later change
    /// there (`switchboard serve --state DIR`). Call once, before serving.
    ///
    /// Restored clients are offline until they log in again; `list_clients` shows them with
    /// their last heartbeat and login times. Queued messages are delivered at their target's
    /// next login, as if the hub had never stopped (their age counts the downtime).
    public func restore(from store: any CrossCommStateStore) async throws {
        let snapshot = try await store.load()
        self.store.withLock { $0 = store }
        let wall = Date().timeIntervalSince1970
        mutate { $0.restore(snapshot, now: .now, wall: wall) }
        logger.info("crosscomm state restored", metadata: ["crosscomm.clients": "\(clients().count)", "crosscomm.queued": "\(queuedMessageCount)"])
    }

    /// Messages waiting in the offline queue.
    public var queuedMessageCount: Int { state.withLock { $0.queuedCounts.values.reduce(0, +) } }

    /// Runs `body` on the routing state under its lock and hands the changes it made to the
    /// store in the same critical section, so the store sees them in the order they happened.
    func mutate<Result>(_ body: (inout CrossCommHubStateMachine) -> Result) -> Result {
        state.withLock { machine in
            let result = body(&machine)
            guard machine.isPersistent else { return result }
            let changes = machine.takeStoreChanges()
            guard !changes.isEmpty, let store = store.withLock({ $0 }) else { return result }
            store.record(Self.stamped(changes, wall: Date().timeIntervalSince1970))
            return result
        }
    }

    /// `changes` with the wall clock on newly queued messages (the state machine has only a
    /// monotonic clock).
    private static func stamped(_ changes: [CrossCommStateChange], wall: Double) -> [CrossCommStateChange] {
        changes.map { change in
            guard case .queued(var message) = change else { return change }
            message.queuedAt = wall
            return .queued(message)
        }
    }
}
