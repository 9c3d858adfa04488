import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// HummingbirdTLS's `TLSChannel`, but the TLS context is read per accepted connection from a
/// ``ReloadableTLSContext``, so a certificate reload reaches new connections while the open
/// ones keep the context they were accepted with.
struct ReloadableTLSChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = WebSocketUpgradeChannel.Value

    let base: WebSocketUpgradeChannel
    let context: ReloadableTLSContext

    var responder: HTTPChannelHandler.Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let sslContext = context.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
