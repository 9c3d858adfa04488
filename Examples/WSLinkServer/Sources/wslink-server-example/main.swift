import Foundation
import Logging
import MsgPack
import ServiceLifecycle
import SwitchboardCore
import SwitchboardWebSocket
import UnixSignals
import WSLinkExposed
import WSLinkServerExample

// wslink-server-example serve [--port 8080] [--secret wslink-secret]
// wslink-server-example client ws://127.0.0.1:8080/ws [--secret wslink-secret]

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}
let logger = Logger(label: "wslink-example")
let secret = option("--secret", default: "wslink-secret")

switch arguments.first {
case "serve":
    let port = Int(option("--port", default: "8080")) ?? 8080
    let transport = WebSocketServerTransport(
        configuration: .init(listeners: [WebSocketListener(name: "main", port: port, routes: [WebSocketRoute("/ws", adapter: "wslink")])]),
        logger: logger
    )
    let adapter = WSLinkServerAdapter(router: ViewerProtocol().makeRouter(), configuration: .init(secret: secret), logger: logger)
    let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: logger)
    let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await withThrowingDiscardingTaskGroup { tasks in
        tasks.addTask { try await group.run() }
        let listener = try await transport.boundListeners()[0]
        // Unbuffered: scripts read this line from a pipe.
        FileHandle.standardOutput.write(Data("wslink listening on \(listener.webSocketURL(path: "/ws"))\n".utf8))
    }

case "client":
    guard arguments.count > 1 else { fatalError("usage: wslink-server-example client ws://host:port/ws") }
    let transport = WebSocketClientTransport(configuration: .init(url: arguments[1]), logger: logger)
    let client = WSLinkClient(transport: transport, configuration: .init(secret: secret), logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await client.run() }
        print("connected as", try await client.waitUntilReady())
        print("viewer.add(40, b: 2) =", try await client.call("viewer.add", args: [40], kwargs: ["b": 2], as: Int.self))
        let image = try await client.call("viewer.image", kwargs: ["width": 4, "height": 2])
        print("viewer.image(4×2) =", image.binaryValue?.count ?? 0, "bytes")
        let frames = try client.subscribe(ViewerProtocol.imageTopic)
        print("viewer.stream.start(fps: 20) =", try await client.call("viewer.stream.start", kwargs: ["fps": 20, "width": 32, "height": 24]))
        var received = 0
        for await frame in frames {
            print("  frame \(frame["frame"]?.intValue ?? -1): \(frame["width"]?.intValue ?? 0)×\(frame["height"]?.intValue ?? 0), \(frame["pixels"]?.binaryValue?.count ?? 0) bytes")
            received += 1
            if received == 3 { break }
        }
        let sent = try await client.call("viewer.stream.stop", as: Int.self)
        print("viewer.stream.stop() =", sent >= 3 ? "at least 3 frames sent" : "\(sent) frames sent")
        do {
            _ = try await client.call("viewer.image", kwargs: ["width": 0])
        } catch let error as WSLinkError {
            print("viewer.image(width: 0) failed:", error.remote.map { "\($0.code) \($0.data?["exception"]?.stringValue ?? "")" } ?? "\(error)")
        }
        tasks.cancelAll()
    }

default:
    print("usage: wslink-server-example serve [--port 8080] [--secret S] | client ws://127.0.0.1:8080/ws [--secret S]")
}
