/// Runs `operation`, failing with ``SwitchboardError/Code/timeout`` if it has not finished
/// after `duration`; the operation is cancelled. Every bounded wait (close deadlines, drains,
/// test waits) goes through this.
public func withTimeout<Result: Sendable>(
    _ duration: Duration,
    _ what: String = "operation",
    _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw SwitchboardError(code: .timeout, message: "\(what) did not finish within \(duration)")
        }
        return result
    }
}
