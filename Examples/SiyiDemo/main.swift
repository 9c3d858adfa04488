import Foundation
import Logging
import Siyi
import SwitchboardCore
import SwitchboardWebSocket

// The siyi README scenario, both halves: the README's server (Switchboard's
// `SiyiServer.readmeDemo`) and the README's client, which answers `get_status`, sends `echo`
// (10 s timeout) and a `player_update` event. With the original, `echo` timed out because the
// server's on_connect blocked its receive loop; here the whole exchange takes milliseconds.
//
//   swift run SiyiDemo                 server on a free port + client, in one process
//   swift run SiyiDemo serve [port]    only the server (default port 8765, any path)
//   swift run SiyiDemo client [url]    only the client (default ws://127.0.0.1:8765)

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardOutput(label: label)
    handler.logLevel = .info
    return handler
}
let logger = Logger(label: "siyi-demo")
let arguments = Array(CommandLine.arguments.dropFirst())
let started = ContinuousClock.now

func say(_ text: String) {
    let elapsed = ContinuousClock.now - started
    let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    print(String(format: "[%8.1f ms] ", milliseconds) + text)
}

func serverTransport(port: Int) -> WebSocketServerTransport {
    WebSocketServerTransport(
        configuration: .init(listeners: [
            WebSocketListener(name: "siyi", port: port, routes: [WebSocketRoute("*", adapter: "siyi")]),
        ]),
        logger: logger
    )
}

func runClient(url: String) async throws {
    let transport = WebSocketClientTransport(configuration: .init(url: url), logger: logger)
    let client = SiyiClient(transport: transport, configuration: .init(autoReconnect: false), logger: logger)
    client.register("get_status") { _, _ in
        say("client: server asked get_status")
        return .object([.init(key: "status", value: .string("running")), .init(key: "players", value: .integer(5))])
    }
    client.onAnyEvent { event, _ in say("client: event \(event.name) \(event.data)") }
    client.connect()
    guard await client.waitConnected(timeout: .seconds(10)) else {
        say("client: could not connect to \(url)")
        return
    }
    say("client: connected to \(url)")
    let echo = try await client.request(
        "echo",
        params: .object([.init(key: "message", value: .string("Hello, World!"))]),
        timeout: .seconds(10)
    )
    say("client: echo -> \(echo.status) \(echo.data)")
    let unknown = try await client.request("nope")
    say("client: nope -> \(unknown.status) \(unknown.error ?? "")")
    try await client.send(event: "player_update", data: .object([
        .init(key: "player", value: .string("Steve")), .init(key: "health", value: .integer(95)),
    ]))
    say("client: sent player_update")
    await client.disconnect()
    say("client: disconnected")
}

switch arguments.first {
case "serve":
    let port = arguments.count > 1 ? Int(arguments[1]) ?? SiyiServer.defaultPort : SiyiServer.defaultPort
    let transport = serverTransport(port: port)
    let server = SiyiServer.readmeDemo(logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run(on: transport) }
        let listener = try await transport.boundListeners()[0]
        say("server: listening on \(listener.webSocketURL())")
        try await group.waitForAll()
    }
case "client":
    try await runClient(url: arguments.count > 1 ? arguments[1] : "ws://127.0.0.1:\(SiyiServer.defaultPort)")
default:
    let transport = serverTransport(port: 0)
    let server = SiyiServer.readmeDemo(logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run(on: transport) }
        let listener = try await transport.boundListeners()[0]
        say("server: listening on \(listener.webSocketURL())")
        // A second client, to show the player_update relay reaching every other client.
        let observer = SiyiClient(
            transport: WebSocketClientTransport(configuration: .init(url: listener.webSocketURL()), logger: logger),
            configuration: .init(autoReconnect: false),
            logger: logger
        )
        let (relayed, relay) = AsyncStream<JSONValue>.makeStream()
        observer.register("get_status") { _, _ in .object([.init(key: "status", value: .string("watching"))]) }
        observer.onEvent("player_updated_notification") { data, _ in
            say("observer: player_updated_notification \(data)")
            relay.yield(data)
        }
        observer.connect()
        _ = await observer.waitConnected(timeout: .seconds(10))
        try await runClient(url: listener.webSocketURL())
        _ = try await withTimeout(.seconds(10), "relay") {
            for await data in relayed { return data }
            return JSONValue.null
        }
        await observer.disconnect()
        await server.stop()
        say("server: stopped")
        try await group.waitForAll()
    }
}
