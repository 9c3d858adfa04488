public import Switchboard

/// The downstream wslink protocol: two RPCs registered with `@Exposed`.
@WSLinkProtocol
public struct Greeter: Sendable {
    /// The topic ``Ticker`` publishes on every second.
    public static let tickTopic = "greeter.tick"

    /// Creates the protocol.
    public init() {}

    @Exposed("greeter.hello")
    func hello(name: String) -> String { "Hello, \(name)!" }

    @Exposed("greeter.add")
    func add(a: Int, b: Int = 0) -> Int { a + b }
}

/// Publishes `{"n": <count>}` on ``Greeter/tickTopic`` once a second until shutdown.
public struct Ticker: Service {
    let publisher: WSLinkPublisher

    /// Publishes through `publisher` (the application's wslink adapter's).
    public init(publisher: WSLinkPublisher) {
        self.publisher = publisher
    }

    public func run() async throws {
        var count = 0
        while !Task.isShuttingDownGracefully {
            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
            count += 1
            _ = try? publisher.publish(Greeter.tickTopic, ["n": .integer(Int64(count))] as MsgPackValue)
        }
    }
}

extension SwitchboardApplication.Configuration {
    /// The downstream server: wslink (`Greeter`) at `/ws` and the page in `Public/` on
    /// `port`, a CrossComm hub on `crossCommPort`, a siyi server answering `upper` on
    /// `siyiPort`.
    public static func downstream(port: Int, crossCommPort: Int, siyiPort: Int, staticFiles: String?, logger: Logger) -> Self {
        var configuration = SwitchboardApplication.Configuration(port: port)
        configuration.wslink = .init(router: Greeter().makeRouter(), configuration: .init(secret: "downstream-secret"))
        configuration.staticFiles = staticFiles
        configuration.crossComm = .init(port: crossCommPort)
        let siyi = SiyiServer(logger: logger)
        siyi.register("upper") { (params: JSONValue, _: SiyiPeer) throws -> JSONValue in
            guard case .string(let text)? = params["text"] else { return .null }
            return .object([.init(key: "text", value: .string(text.uppercased()))])
        }
        configuration.siyi = .init(server: siyi, port: siyiPort)
        return configuration
    }
}
