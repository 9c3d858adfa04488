import Logging
import NIOCore
import NIOEmbedded
import SwitchboardCore
@_spi(Fuzzing) import SwitchboardWebSocket

/// The HTTP/1 request and WebSocket upgrade path, in-process: the input is the bytes a client
/// sends on a fresh connection, fed through the server's own pipeline (NIO's HTTP parser,
/// Hummingbird's upgrader and extension negotiation, the transport's routing, then NIO's frame
/// decoder for whatever follows the head) on an `EmbeddedChannel`. The input is split in two
/// writes at a point chosen by its first byte, so partial reads are covered too.
public enum UpgradeHarness {
    /// Binds nothing: only its configuration and upgrade decision are used.
    private static let transport = WebSocketServerTransport(
        configuration: .init(
            listeners: [
                .init(name: "fuzz", port: 0, routes: [WebSocketRoute("/ws", adapter: "wslink"), WebSocketRoute("/echo", adapter: "echo")]),
            ],
            maxMessageSize: 64 << 10
        ),
        logger: Logger(label: "switchboard.fuzz") { _ in SwiftLogNoOpLogHandler() }
    )

    private static let peer = try! SocketAddress(ipAddress: "127.0.0.1", port: 40000)

    /// Upgraded connections run the real engine and an echo handler.
    private static let acceptor = ConnectionAcceptor.direct(
        EchoAdapter(),
        sessions: SessionManager(logger: Logger(label: "switchboard.fuzz") { _ in SwiftLogNoOpLogHandler() })
    )

    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        try check(response: response(to: input), request: input)
    }

    /// What the server writes back (HTTP part) when a connection sends `input`.
    public static func response(to input: [UInt8]) -> [UInt8] {
        let channel = EmbeddedChannel()
        transport.installConnectionPipeline(on: channel, listenerName: "fuzz", acceptor: acceptor)
        // Active, as an accepted connection is; an inactive channel takes no reads.
        _ = try? channel.connect(to: peer).wait()
        let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
        for part in [input[..<split], input[split...]] where !part.isEmpty && channel.isActive {
            // A malformed request is an error on the pipeline and closes the channel: expected.
            _ = try? channel.writeInbound(channel.allocator.buffer(bytes: part))
            // The upgrader hops through the event loop (promise callbacks, `execute`).
            channel.embeddedEventLoop.run()
        }
        var written: [UInt8] = []
        // The HTTP encoder writes IOData, the WebSocket frame encoder ByteBuffers.
        while let part = try? channel.readOutbound(as: Any.self) {
            if let data = part as? IOData, case .byteBuffer(let buffer) = data { written += buffer.readableBytesView }
            if let buffer = part as? ByteBuffer { written += buffer.readableBytesView }
        }
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return written
    }

    /// A 101 answer only to a GET that asked for a WebSocket on a routed path, with the accept
    /// header the handshake needs.
    private static func check(response: [UInt8], request: [UInt8]) throws(FuzzInvariantViolation) {
        guard response.starts(with: Array("HTTP/1.1 101".utf8)) else { return }
        let head = String(decoding: response.prefix { $0 != 0 }, as: UTF8.self).lowercased()
        try FuzzInvariantViolation.require(head.contains("sec-websocket-accept:"), "101 without Sec-WebSocket-Accept")
        let asked = String(decoding: request, as: UTF8.self).lowercased()
        try FuzzInvariantViolation.require(asked.contains("websocket"), "101 to a request that never asked for websocket")
        try FuzzInvariantViolation.require(
            asked.contains("/ws") || asked.contains("/echo"),
            "101 for a path no route serves"
        )
    }
}
