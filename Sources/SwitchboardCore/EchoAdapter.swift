import Logging

/// Sends every message straight back: the transport diagnostic behind `switchboard serve`'s
/// `/echo` path, used by the Autobahn conformance run and the raw-limit benchmark.
public struct EchoAdapter: ProtocolAdapter {
    /// `echo`.
    public let name = "echo"

    /// Creates the adapter.
    public init() {}

    /// Echoes frames in order until the peer leaves.
    public func handle(_ connection: Connection, session: Session) async {
        do {
            for try await frame in connection.inbound {
                try await session.send(frame)
            }
        } catch {
            session.sessionLogger.debug("echo ended", metadata: ["error": "\(error)"])
        }
    }
}
