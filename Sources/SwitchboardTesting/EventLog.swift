import SwitchboardCore
import Synchronization

/// A thread-safe log of events from callbacks, read in order with a deadline on every wait.
///
/// ```swift
/// let events = EventLog<ReconnectLoop<T>.Event>()
/// let loop = ReconnectLoop(transport: t, policy: p, logger: l) { events.append($0) }
/// try await events.waitFor(.connected)
/// ```
public final class EventLog<Element: Sendable>: Sendable {
    private struct State {
        var elements: [Element] = []
        var cursor = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates an empty log.
    public init() {}

    /// Records an event and wakes readers.
    public func append(_ element: Element) {
        let waiters = state.withLock { state in
            state.elements.append(element)
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Everything recorded so far.
    public var all: [Element] { state.withLock { $0.elements } }

    /// The next event this reader has not consumed, waiting up to `timeout` for it.
    public func next(timeout: Duration = .seconds(10)) async throws -> Element {
        try await withTimeout(timeout, "next event") { [self] in
            while true {
                if let element = takeNext() { return element }
                await waitForAppend()
                try Task.checkCancellation()
            }
        }
    }

    /// Consumes events until one satisfies `predicate`, and returns it.
    @discardableResult
    public func waitFor(timeout: Duration = .seconds(10), _ predicate: @escaping @Sendable (Element) -> Bool) async throws -> Element {
        let deadline = ContinuousClock.now + timeout
        while true {
            let element = try await next(timeout: max(deadline - ContinuousClock.now, .zero))
            if predicate(element) { return element }
        }
    }

    private func takeNext() -> Element? {
        state.withLock { state in
            guard state.cursor < state.elements.count else { return nil }
            defer { state.cursor += 1 }
            return state.elements[state.cursor]
        }
    }

    private func waitForAppend() async {
        let (id, seen) = state.withLock { state in
            state.nextWaiter += 1
            return (state.nextWaiter, state.elements.count)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.elements.count != seen || Task.isCancelled { return true }
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

extension EventLog where Element: Equatable {
    /// Consumes events until one equals `wanted`.
    public func waitFor(_ wanted: Element, timeout: Duration = .seconds(10)) async throws {
        try await waitFor(timeout: timeout) { $0 == wanted }
    }
}
