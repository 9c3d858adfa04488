import ArgumentParser
import SwitchboardCore

/// Helpers the client commands share for their JSON arguments and bounded waits.
enum ClientArguments {
    /// `text` parsed as JSON, or a usage error naming `what`.
    static func json(_ text: String, _ what: String) throws -> JSONValue {
        do {
            return try JSONValue(parsing: text)
        } catch {
            throw ValidationError("\(what) is not JSON (\(error)); strings need JSON quotes, e.g. '\"text\"'")
        }
    }

    /// Runs `body`, bounded by `limit` when there is one (listeners without --count run until
    /// the connection ends).
    static func within<Result: Sendable>(
        _ limit: Duration?,
        _ what: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        guard let limit else { return try await body() }
        return try await withTimeout(limit, what, body)
    }
}
