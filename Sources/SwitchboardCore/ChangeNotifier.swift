import Synchronization

/// Lets tasks wait for a condition kept under someone else's lock: the owner calls
/// ``notify()`` after every change, waiters re-check. Cancellation ends a wait at once, so a
/// wait can always be bounded with ``withTimeout(_:_:_:)``.
package final class ChangeNotifier: Sendable {
    private struct State {
        var version: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Wakes every waiter so it re-checks its condition.
    package func notify() {
        let waiters = state.withLock { state in
            state.version &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when `condition` holds, or when the task is cancelled.
    package func wait(until condition: () -> Bool) async {
        while !Task.isCancelled {
            let seen = state.withLock { $0.version }
            if condition() { return }
            await waitForChange(since: seen)
        }
    }

    private func waitForChange(since seen: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.version != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
