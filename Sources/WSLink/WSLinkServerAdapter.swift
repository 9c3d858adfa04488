public import Logging
import MsgPack
public import SwitchboardCore

/// Serves wslink (both wire generations) on every connection routed to `wslink`.
///
/// ```swift
/// var router = WSLinkRouter()
/// router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
/// let adapter = WSLinkServerAdapter(router: router, configuration: .init(secret: "wslink-secret"), logger: logger)
/// let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: logger)
/// // route "/ws" to adapter "wslink" in the transport's configuration
/// ```
///
/// Each connection picks its generation from its first data message (binary → 2.x, text →
/// 1.x), must say `wslink.hello` with a valid secret before anything else is served, and may
/// run up to ``WSLinkServerConfiguration/maxConcurrentCalls`` calls at once. Malformed input
/// never affects other connections: requests with an id get an error reply at that id, and
/// framing violations close only the offending connection with a code listed in
/// `Protocols.md` §4.
public struct WSLinkServerAdapter: ProtocolAdapter {
    /// `wslink`.
    public let name: String
    /// The RPC table.
    public let router: WSLinkRouter
    /// Settings.
    public let configuration: WSLinkServerConfiguration
    /// Publishes to this adapter's authenticated clients.
    public let publisher: WSLinkPublisher
    private let logger: Logger

    /// Creates the adapter; `name` is what routes refer to.
    public init(name: String = "wslink", router: WSLinkRouter, configuration: WSLinkServerConfiguration = .init(), logger: Logger) {
        self.name = name
        self.router = router
        self.configuration = configuration
        self.publisher = WSLinkPublisher(adapter: name, maxMessageSize: configuration.maxMessageSize, logger: logger)
        self.logger = logger
    }

    /// A new client id: `c` followed by 32 lowercase hex digits (Python's `"c" + uuid4().hex`).
    public static func makeClientID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(generator.next() as UInt64, radix: 16)
        return "c" + String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
    }

    /// A handler for one new connection (see `WSLinkConnectionHandler`).
    public func makeHandler(for session: Session) -> any ConnectionHandler {
        WSLinkConnectionHandler(adapter: self, session: session)
    }

    /// Compares secrets without an early exit, so timing does not reveal a matching prefix.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = left.count ^ right.count
        for index in 0..<max(left.count, right.count) {
            difference |= Int((index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0))
        }
        return difference == 0
    }
}
