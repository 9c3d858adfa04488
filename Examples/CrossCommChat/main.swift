// A terminal chat over CrossComm: one hub, any number of clients (Swift or pywayne).
//
//   crosscomm-chat server [port]              hub on 127.0.0.1:<port> (default 9898), file store on port+1
//   crosscomm-chat client <id> [port]         type a line to send it to everyone,
//                                             "@bob hi" to send to bob, "/file <path> [@bob]",
//                                             "/list" for the client table, "/quit" to leave
import CrossComm
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardWebSocket
import UnixSignals
import UnixSignals

let arguments = Array(CommandLine.arguments.dropFirst())
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let logger = Logger(label: "crosscomm-chat")

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Lines from stdin, read on a thread of their own so no cooperative thread blocks on `readLine`.
func standardInputLines() -> AsyncStream<String> {
    AsyncStream { continuation in
        Thread.detachNewThread {
            while let line = readLine() { continuation.yield(line) }
            continuation.finish()
        }
    }
}

func runServer(port: Int) async throws {
    let storeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("crosscomm-chat-files").path
    let store = try CrossCommFileStore(directory: storeDirectory)
    let files = HTTPEndpoint(pathPrefix: "/files") { request in
        let answer = await store.handle(method: request.method, path: request.path, body: request.body)
        switch answer.body {
        case .bytes(let bytes): return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .bytes(bytes))
        case .file(let url, let size): return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .file(path: url.path, size: size))
        }
    }
    let transport = WebSocketServerTransport(configuration: .init(listeners: [
        WebSocketListener(name: "crosscomm", port: port, routes: [WebSocketRoute("*", adapter: "crosscomm")]),
        WebSocketListener(name: "files", port: port + 1, routes: [], httpEndpoints: [files]),
    ]), logger: logger)
    let hub = CrossCommHub(configuration: .init(offlineQueue: .init()), logger: logger)
    hub.onMessage(type: .text) { message in say("[hub] \(message.from) -> \(message.to): \(message.text ?? "")") }
    let server = SwitchboardServer(transport: transport, adapters: [hub], logger: logger)
    let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await withThrowingDiscardingTaskGroup { tasks in
        tasks.addTask { try await group.run() }
        for listener in try await transport.boundListeners() {
            say("\(listener.name) on \(listener.name == "files" ? listener.httpURL(path: "/files/") : listener.webSocketURL())")
        }
    }
}

func runClient(id: String, port: Int) async throws {
    let transport = WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:\(port)"), logger: logger)
    let downloads = FileManager.default.temporaryDirectory.appendingPathComponent("crosscomm-chat-\(id)").path
    let client = CrossCommClient(
        transport: transport,
        configuration: .init(clientID: id, fileStoreURL: "http://127.0.0.1:\(port + 1)"),
        logger: logger
    )
    client.onMessage(downloadDirectory: downloads) { message in
        switch message.type {
        case .file, .image, .folder: say("\(message.from) sent a \(message.type.rawValue): \(message.text ?? "")")
        default: say("\(message.from)\(message.to == "all" ? "" : " (to you)"): \(message.text ?? message.content.encoded())")
        }
    }
    try await client.login()
    say("logged in as \(id)")
    for await line in standardInputLines() {
        do {
            if line == "/quit" { break }
            if line == "/list" {
                let table = try await client.listClients(onlyOnline: false)
                say(table.clients.map { "\($0.id) (\($0.isOnline ? "online" : "offline"))" }.joined(separator: ", "))
            } else if line.hasPrefix("/file ") {
                let parts = line.dropFirst(6).split(separator: " @", maxSplits: 1).map(String.init)
                let sent = try await client.send(parts[0], type: .file, to: parts.count > 1 ? parts[1] : "all")
                say("uploaded as \(sent.ossKey ?? "-")")
            } else if line.hasPrefix("@"), let space = line.firstIndex(of: " ") {
                try await client.send(String(line[line.index(after: space)...]), to: String(line[line.index(after: line.startIndex)..<space]))
            } else if !line.isEmpty {
                try await client.send(line)
            }
        } catch {
            say("error: \(error)")
        }
    }
    await client.logout()
    say("bye")
}

switch (arguments.first, arguments.count) {
case ("server", 1...2):
    try await runServer(port: arguments.count > 1 ? Int(arguments[1]) ?? 9898 : 9898)
case ("client", 2...3):
    try await runClient(id: arguments[1], port: arguments.count > 2 ? Int(arguments[2]) ?? 9898 : 9898)
default:
    say("usage: crosscomm-chat server [port] | crosscomm-chat client <id> [port]")
    exit(2)
}
