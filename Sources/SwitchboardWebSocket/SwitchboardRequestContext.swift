import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Hummingbird request context that keeps the channel, so a WebSocket can be torn down when
/// its peer stops reading, and the peer's address can be reported.
struct SwitchboardRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    /// Weak: the channel's own handlers keep this context for the connection's lifetime, and a
    /// strong reference back made a cycle that leaked every closed connection (≈ 4.4 KiB each;
    /// found by the soak run, ROBUSTNESS.md). An open channel is kept alive by its event loop.
    weak let channel: (any Channel)?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}
