import Hummingbird

/// Hummingbird request context of the plain HTTP side (static content, endpoints, the 426
/// answers). WebSocket upgrades are decided before any request context exists
/// (`WebSocketServerTransport.makeApplication`).
struct SwitchboardRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
