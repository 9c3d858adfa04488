/// Sends every message straight back: the transport diagnostic behind `switchboard serve`'s
/// `/echo` path, used by the Autobahn conformance run and the raw-limit benchmark.
public struct EchoAdapter: ProtocolAdapter {
    /// `echo`.
    public let name = "echo"

    /// Creates the adapter.
    public init() {}

    /// A handler that writes each message back on the loop.
    public func makeHandler(for session: Session) -> any ConnectionHandler { Handler() }

    final class Handler: ConnectionHandler {
        func received(_ frame: Frame, context: ConnectionContext) {
            context.write(frame)
        }
    }
}
