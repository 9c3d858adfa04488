import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import NIOCore
public import SwitchboardCore

@_spi(Fuzzing)
extension WebSocketServerTransport {
    /// Sets `channel` up with the same ``connectionChannel(for:responder:handler:)`` an accepted
    /// connection on the listener named `listenerName` runs (TLS left out). Lets the fuzz targets
    /// drive the upgrade path in-process through an `EmbeddedChannel`; upgraded connections go to
    /// `handler`, plain requests get 404.
    public func installConnectionPipeline(
        on channel: any Channel,
        listenerName: String,
        handler: @escaping @Sendable (Connection) async -> Void
    ) {
        guard let listener = configuration.listeners.first(where: { $0.name == listenerName }) else {
            preconditionFailure("no listener named \(listenerName)")
        }
        let child = connectionChannel(for: listener, responder: { _, _, _ in throw HTTPError(.notFound) }, handler: handler)
        // Set up synchronously on the channel's loop; the future only carries the upgrade result.
        _ = child.setup(channel: channel, logger: logger)
    }
}
