import DownstreamServer
import Switchboard

/// The checks `downstream-client` runs against a downstream server.
enum DownstreamChecks {
    static let logger = Logger(label: "downstream-client") { _ in SwiftLogNoOpLogHandler() }

    static func check(_ condition: Bool, _ what: String) throws {
        print("\(condition ? "ok" : "FAILED"): \(what)")
        if !condition { throw SwitchboardError(code: .protocolViolation, message: what) }
    }

    /// Runs every check against `urls` (wslink, CrossComm, siyi), failing after `limit`.
    static func run(urls: [String], within limit: Duration) async throws {
        let (wslinkURL, crossCommURL, siyiURL) = (urls[0], urls[1], urls[2])
        try await withTimeout(limit, "the downstream client") {
            try await run(wslinkURL: wslinkURL, crossCommURL: crossCommURL, siyiURL: siyiURL)
        }
    }

    static func run(wslinkURL: String, crossCommURL: String, siyiURL: String) async throws {
        // wslink: two RPCs and the published topic.
        let wslink = WSLinkClient(
            transport: WebSocketClientTransport(configuration: .init(url: wslinkURL), logger: logger),
            configuration: .init(secret: "downstream-secret"),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await wslink.run() }
            defer { group.cancelAll() }
            _ = try await wslink.waitUntilReady(timeout: .seconds(10))
            let ticks = try wslink.subscribe(Greeter.tickTopic)
            try check(try await wslink.call("greeter.hello", args: ["Swift"], as: String.self) == "Hello, Swift!", "greeter.hello")
            try check(try await wslink.call("greeter.add", args: [40], kwargs: ["b": 2], as: Int.self) == 42, "greeter.add")
            var iterator = ticks.makeAsyncIterator()
            let tick = await iterator.next()
            try check(tick?["n"] != nil, "a \(Greeter.tickTopic) publish")
        }

        // CrossComm: log in and see ourselves in the hub's client list.
        let crossComm = CrossCommClient(
            transport: WebSocketClientTransport(configuration: .init(url: crossCommURL), logger: logger),
            configuration: .init(clientID: "swift-client"),
            logger: logger
        )
        try await crossComm.login()
        try check(try await crossComm.listClients().onlineIDs.contains("swift-client"), "crosscomm login and list_clients")
        await crossComm.logout()

        // siyi: a request answered by the server's handler.
        let siyi = SiyiClient(transport: WebSocketClientTransport(configuration: .init(url: siyiURL), logger: logger), logger: logger)
        siyi.connect()
        try check(await siyi.waitConnected(timeout: .seconds(10)), "siyi connect")
        let upper = try await siyi.request("upper", params: .object([.init(key: "text", value: .string("switchboard"))]))
        try check(upper.data["text"] == .string("SWITCHBOARD"), "siyi upper")
        await siyi.disconnect()
    }
}
