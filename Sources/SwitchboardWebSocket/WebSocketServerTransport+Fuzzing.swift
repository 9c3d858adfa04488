import Hummingbird
import HummingbirdCore
public import NIOCore
public import SwitchboardCore

@_spi(Fuzzing)
extension WebSocketServerTransport {
    /// Sets `channel` up with the same ``connectionChannel(for:responder:acceptor:)`` an accepted
    /// connection on the listener named `listenerName` runs (TLS left out). Lets the fuzz targets
    /// drive the upgrade path in-process through an `EmbeddedChannel`; upgraded connections are
    /// attached through `acceptor`, plain requests get 404.
    public func installConnectionPipeline(on channel: any Channel, listenerName: String, acceptor: ConnectionAcceptor) {
        guard let listener = configuration.listeners.first(where: { $0.name == listenerName }) else {
            preconditionFailure("no listener named \(listenerName)")
        }
        let child = connectionChannel(for: listener, responder: { _, _, _ in throw HTTPError(.notFound) }, acceptor: acceptor)
        // Set up synchronously on the channel's loop; the future only carries the upgrade result.
        _ = child.setup(channel: channel, logger: logger)
    }
}
