import SwitchboardCore
import SwitchboardTesting

/// Wraps a client transport and records every inbound frame's size, so tests can count chunks.
struct CountingClientTransport<Base: ClientTransport>: ClientTransport {
    let base: Base
    let inbound = EventLog<Int>()

    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        let inbound = self.inbound
        return try await base.withConnection { connection in
            try await body(Connection(
                info: connection.info,
                inbound: connection.inbound.observing { inbound.append($0.byteCount) },
                writer: connection.writer
            ))
        }
    }
}
