import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardWebSocket
import WSLink

// A wslink demo server for instruction counts under valgrind (Benchmarks/PROFILE.md):
//
//   valgrind --tool=callgrind switchboard-profile-server SECONDS
//
// It serves `/ws` on a free loopback port (printed as `listening on <url>`), then exits after
// SECONDS. Unlike `switchboard serve` its main is synchronous: an async main ends in
// `dispatch_main()`, whose parked main thread valgrind (3.19 and 3.24) cannot run. It uses only
// API that both the engine and the commit before it have, so the same file measures both.
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "30") ?? 30
let logger = Logger(label: "profile") { _ in SwiftLogNoOpLogHandler() }
let transport = WebSocketServerTransport(
    configuration: .init(listeners: [.init(name: "main", port: 0, routes: [.init("/ws", adapter: "wslink")])], ping: nil),
    logger: logger
)
let adapter = WSLinkServerAdapter(router: WSLinkDemoProtocol.router(), logger: logger)
let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: logger)
let group = ServiceGroup(services: [server], logger: logger)
// Detached: top-level code is main-actor isolated, and the main thread stays blocked below.
Task.detached { try await group.run() }
Task.detached {
    let listener = try await transport.boundListeners()[0]
    FileHandle.standardOutput.write(Data("listening on \(listener.webSocketURL(path: "/ws"))\n".utf8))
}
Thread.sleep(forTimeInterval: seconds)
exit(0)
