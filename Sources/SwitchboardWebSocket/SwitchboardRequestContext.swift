import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Hummingbird request context that keeps the channel, so a WebSocket can be torn down when
/// its peer stops reading, and the peer's address can be reported.
struct SwitchboardRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}
