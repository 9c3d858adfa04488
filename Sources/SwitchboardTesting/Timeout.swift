import SwitchboardCore

/// Polls `condition` until it holds, failing after `duration`. For state that has no event to
/// await (a counter in a table); never a substitute for awaiting an event that exists.
public func waitUntil(
    _ duration: Duration = .seconds(5),
    _ what: String = "condition",
    pollEvery interval: Duration = .milliseconds(5),
    _ condition: @escaping @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + duration
    while !(await condition()) {
        if ContinuousClock.now >= deadline {
            throw SwitchboardError(code: .timeout, message: "\(what) did not become true within \(duration)")
        }
        try await Task.sleep(for: interval)
    }
}
