import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging

/// The transport ceiling for the benchmarks: a WebSocket echo on hummingbird-websocket with the
/// limits Switchboard's transport uses (16 MiB frames and messages, UTF-8 validated, ping every
/// 30 s) and nothing else: no session layer, no adapters.
@main
struct SwitchboardEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-echo",
        abstract: "Minimal WebSocket echo server (any path) for measuring the transport limit."
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free one; the listener line shows it).")
    var port = 0

    @Option(help: "Largest frame and message, as in `switchboard serve --max-message-size`.")
    var maxMessageSize = 16 << 20

    func run() async throws {
        var logger = Logger(label: "switchboard-echo")
        logger.logLevel = .warning
        let maxMessageSize = maxMessageSize
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        for path: RouterPath in ["/", "**"] {
            webSocketRouter.ws(path) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: maxMessageSize) {
                    switch message {
                    case .text(let text): try await outbound.write(.text(text))
                    case .binary(let bytes): try await outbound.write(.binary(bytes))
                    }
                }
            }
        }
        let host = host
        let application = Application(
            router: Router(),
            server: .http1WebSocketUpgrade(
                webSocketRouter: webSocketRouter,
                configuration: .init(ws: .init(
                    maxFrameSize: maxMessageSize,
                    autoPing: .enabled(timePeriod: .seconds(30)),
                    closeTimeout: .seconds(10),
                    validateUTF8: true
                ))
            ),
            configuration: .init(address: .hostname(host, port: port), serverName: "switchboard-echo"),
            onServerRunning: { channel in
                // Scripts wait for this line on a pipe, so it must not sit in stdio's buffer.
                FileHandle.standardOutput.write(Data("echo listening on ws://\(host):\(channel.localAddress?.port ?? 0)/echo\n".utf8))
            },
            logger: logger
        )
        try await application.runService()
    }
}
