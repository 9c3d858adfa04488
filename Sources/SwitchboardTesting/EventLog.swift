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
    }

    private let state = Mutex(State())
    private let changes = ChangeNotifier()

    /// Creates an empty log.
    public init() {}

    /// Records an event and wakes readers.
    public func append(_ element: Element) {
        state.withLock { $0.elements.append(element) }
        changes.notify()
    }

    /// Everything recorded so far.
    public var all: [Element] { state.withLock { $0.elements } }

    /// The next event this reader has not consumed, waiting up to `timeout` for it.
    public func next(timeout: Duration = .seconds(10)) async throws -> Element {
        try await withTimeout(timeout, "next event") { [self] in
            while true {
                if let element = takeNext() { return element }
                await changes.wait { state.withLock { $0.cursor < $0.elements.count } }
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
}

extension EventLog where Element: Equatable {
    /// Consumes events until one equals `wanted`.
    public func waitFor(_ wanted: Element, timeout: Duration = .seconds(10)) async throws {
        try await waitFor(timeout: timeout) { $0 == wanted }
    }
}
