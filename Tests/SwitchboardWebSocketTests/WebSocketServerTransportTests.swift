import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

@Suite("WebSocket server transport over loopback", .timeLimit(.minutes(1)))
struct WebSocketServerTransportTests {
    @Test("text and binary frames echo through a real socket")
    func echoRoundTrip() async throws {
        try await TestServer.with { server in
            let outcome = try await TestServer.client(server.url("/echo")).withConnection { connection in
                var inbound = connection.inbound.makeAsyncIterator()
                try await connection.write(.text("héllo"))
                let text = try await inbound.next()
                try await connection.write(.binary([0, 1, 2, 255]))
                let binary = try await inbound.next()
                return [text, binary]
            }
            #expect(outcome.result == [.text("héllo"), .binary([0, 1, 2, 255])])
            #expect(outcome.closeCode == .normal)
        }
    }

    @Test("TLS handshake with a self-signed certificate made at test time")
    func tlsHandshake() async throws {
        let certificate = try SelfSignedCertificate.make()
        let tls = TLSFiles(certificateChainPath: certificate.certificatePath, privateKeyPath: certificate.keyPath)
        let secure = Recorder<Bool>()
        let probe = ProbeAdapter { connection, session in
            secure.append(connection.info.isSecure)
            for try await frame in connection.inbound { try await session.send(frame) }
        }
        try await TestServer.with(TestServer.configuration(routes: [WebSocketRoute("/probe", adapter: "probe")], tls: tls), adapters: [probe]) { server in
            #expect(server.url("/probe").hasPrefix("wss://127.0.0.1:"))
            let client = TestServer.client(server.url("/probe"), trust: .certificates(pemPath: certificate.certificatePath))
            let outcome = try await client.withConnection { connection in
                try await connection.write(.text("over tls"))
                return try await connection.inbound.first { _ in true }
            }
            #expect(outcome.result == .text("over tls"))
            #expect(secure.values == [true])
            // Without trusting the certificate the handshake must fail.
            await #expect(throws: SwitchboardError.self) {
                _ = try await TestServer.client(server.url("/probe")).withConnection { _ in 0 }
            }
        }
    }

    @Test("a route naming an adapter the server lacks fails at start-up, not per connection")
    func missingAdapterFailsAtStartUp() async throws {
        let transport = WebSocketServerTransport(
            configuration: TestServer.configuration(routes: [WebSocketRoute("/ws", adapter: "wslink")]),
            logger: TestServer.quietLogger
        )
        let server = SwitchboardServer(transport: transport, adapters: [EchoAdapter()], logger: TestServer.quietLogger)
        let error = await #expect(throws: SwitchboardError.self) {
            try await withTimeout(.seconds(10)) { try await server.run() }
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("wslink") == true)
    }

    @Test("upgrades go to the exact path (trailing slash ignored), then to a * route; no route refuses with 400")
    func upgradeRouting() async throws {
        let seen = Recorder<String>()
        let probe = ProbeAdapter { connection, session in
            seen.append("\(connection.info.route.pathPattern) \(connection.info.path) \(connection.info.query ?? "-")")
            for try await frame in connection.inbound { try await session.send(frame) }
        }
        let routes = [WebSocketRoute("/probe", adapter: "probe"), WebSocketRoute("*", adapter: "probe")]
        try await TestServer.with(TestServer.configuration(routes: routes), adapters: [probe]) { server in
            for path in ["/probe", "/probe/?a=1", "/elsewhere/deep?b=2"] {
                let head = try await RawSocket(port: server.port).upgrade(path: path)
                #expect(head.hasPrefix("HTTP/1.1 101"), "\(path): \(head)")
            }
            try await waitUntil(.seconds(5), "three sessions seen") { seen.values.count == 3 }
            #expect(Set(seen.values) == ["/probe /probe -", "/probe /probe/ a=1", "* /elsewhere/deep b=2"])
        }
        try await TestServer.with { server in
            let head = try await RawSocket(port: server.port).upgrade(path: "/nowhere")
            #expect(head.hasPrefix("HTTP/1.1 400"), "\(head)")
            try await expectEchoWorks(server)
        }
    }

    @Test("malformed upgrades get 400, even with a request pipelined behind them, and the server keeps serving")
    func malformedUpgradesAreRefused() async throws {
        let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        let pipelined = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        // The first one (no `Connection: upgrade`, a request pipelined behind it) used to get a
        // 101 and then crash the whole process inside NIO (found by the `upgrade` fuzz target).
        let requests = [
            "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\(key)\r\n\(pipelined)",
            "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: close\r\n\(key)\r\n\(pipelined)",
            "POST /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\(key)\r\n\(pipelined)",
            "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\(key)\r\nhello\(pipelined)",
            "GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nTransfer-Encoding: chunked\r\n\(key)\r\n5\r\nhello\r\n0\r\n\r\n\(pipelined)",
        ]
        try await TestServer.with { server in
            for request in requests {
                let socket = try RawSocket(port: server.port)
                try await socket.send(request)
                let reply = try await socket.receive(until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }, timeout: .seconds(5))
                let head = String(decoding: reply, as: UTF8.self)
                #expect(head.hasPrefix("HTTP/1.1 400"), "\(request.prefix(80)) answered \(head.prefix(40))")
            }
            // A well-formed upgrade with a token list and a request pipelined behind it still works.
            let socket = try RawSocket(port: server.port)
            try await socket.send("GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\(key)\r\n\(pipelined)")
            let reply = try await socket.receive(until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }, timeout: .seconds(5))
            #expect(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 101"))
            try await expectEchoWorks(server)
        }
    }

    @Test("invalid permessage-deflate offers are declined, a later valid one is taken, and the server keeps serving")
    func invalidDeflateOffersAreDeclined() async throws {
        // The first offer's window size used to trap inside WSCompression and kill the process.
        let offers = [
            ("permessage-deflate; server_max_window_bits=85555555555555555", false),
            ("permessage-deflate; client_max_window_bits=-3", false),
            ("permessage-deflate; server_max_window_bits", false),
            ("permessage-deflate; server_no_context_takeover=1", false),
            ("permessage-deflate; unknown_parameter", false),
            // Valid, but zlib cannot deflate with a 256-byte window: declined (it trapped in CompressNIO).
            ("permessage-deflate; server_max_window_bits=8", false),
            // The client's own window of 8 is fine: the server inflates with a larger one.
            ("permessage-deflate; client_max_window_bits=8", true),
            // Two offers as two header lines (WSCore does not split one line at commas).
            ("permessage-deflate; server_max_window_bits=99\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", true),
        ]
        try await TestServer.with { server in
            for (offer, accepted) in offers {
                let head = try await RawSocket(port: server.port).upgrade(path: "/echo", extensions: offer).lowercased()
                #expect(head.hasPrefix("http/1.1 101"), "\(offer): \(head)")
                #expect(head.contains("sec-websocket-extensions: permessage-deflate") == accepted, "\(offer): \(head)")
            }
            try await expectEchoWorks(server)
        }
    }

    @Test("an oversized message closes with 1009 and the server keeps serving")
    func oversizedMessage() async throws {
        try await TestServer.with(TestServer.configuration(maxMessageSize: 64 << 10)) { server in
            let big = TestServer.client(server.url("/echo"), maxMessageSize: 1 << 20)
            let outcome = try await big.withConnection { connection in
                try await connection.write(.binary([UInt8](repeating: 7, count: (64 << 10) + 1)))
                return try await connection.inbound.first { _ in true }
            }
            #expect(outcome.result == nil)
            #expect(outcome.closeCode == .messageTooBig)
            try await expectEchoWorks(server)
        }
    }

    @Test("a compressed message that inflates past the limit closes with 1009")
    func oversizedCompressedMessage() async throws {
        try await TestServer.with(TestServer.configuration(maxMessageSize: 64 << 10)) { server in
            let outcome = try await TestServer.client(server.url("/echo"), maxMessageSize: 1 << 20).withConnection { connection in
                // Highly compressible: a few hundred bytes on the wire, 128 KiB inflated.
                try await connection.write(.text(String(repeating: "a", count: 128 << 10)))
                return try await connection.inbound.first { _ in true }
            }
            #expect(outcome.closeCode == .messageTooBig)
            try await expectEchoWorks(server)
        }
    }

    @Test("invalid UTF-8 in a text message closes with 1007")
    func invalidUTF8() async throws {
        try await TestServer.with { server in
            let socket = try RawSocket(port: server.port)
            let head = try await socket.upgrade(path: "/echo")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            try await socket.send(RawSocket.frame(opcode: 0x1, payload: [0x68, 0xc3, 0x28, 0x69]))
            let reply = try await socket.receive(until: { RawSocket.closeCode(in: $0) != nil }, timeout: .seconds(5))
            #expect(RawSocket.closeCode(in: reply) == 1007)
            try await expectEchoWorks(server)
        }
    }

    @Test("plain HTTP to a WebSocket path gets 426 with an explanation")
    func plainHTTPToWebSocketPath() async throws {
        try await TestServer.with { server in
            let response = try await RawSocket(port: server.port).httpGet("/echo")
            #expect(response.status == 426)
            #expect(response.text.contains("takes WebSocket connections only"))
            try await expectEchoWorks(server)
        }
    }

    @Test("static files are served and traversal never escapes the content directory")
    func staticContentAndTraversal() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-content-\(UUID().uuidString)")
        let content = root.appendingPathComponent("public")
        try FileManager.default.createDirectory(at: content.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "<h1>ok</h1>".write(to: content.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "inside".write(to: content.appendingPathComponent("sub/inner.txt"), atomically: true, encoding: .utf8)
        try "TOP-SECRET".write(to: root.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try await TestServer.with(TestServer.configuration(content: content.path)) { server in
            let index = try await RawSocket(port: server.port).httpGet("/")
            #expect(index.status == 200)
            #expect(index.text.hasSuffix("<h1>ok</h1>"))
            #expect(try await RawSocket(port: server.port).httpGet("/sub/inner.txt").text.hasSuffix("inside"))
            #expect(try await RawSocket(port: server.port).httpGet("/missing.txt").status == 404)
            for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt",
                         "/%252e%252e/secret.txt", "/sub/../../secret.txt", "/sub/..%5c..%5csecret.txt"] {
                let response = try await RawSocket(port: server.port).httpGet(path)
                #expect([403, 404].contains(response.status), "\(path) answered \(response.status)")
                #expect(!response.text.contains("TOP-SECRET"), "\(path) leaked the file")
            }
            try await expectEchoWorks(server)
        }
    }

    @Test("a peer that stops answering pings is closed and its session removed")
    func deadPeerIsClosed() async throws {
        // The session lives about interval + timeout: long enough for the first wait to see it
        // even when parallel suites hold the test's threads for a while.
        let ping = HeartbeatPolicy(interval: .seconds(1), timeout: .seconds(1))
        try await TestServer.with(TestServer.configuration(ping: ping)) { server in
            let socket = try RawSocket(port: server.port)
            // The ping may arrive with the response head when the test's threads are slow.
            let head = try await socket.upgradeBytes(path: "/echo")
            try await waitUntil(.seconds(5), "session registered") { server.sessions.count == 1 }
            // Never read, never pong: the server must give up on us.
            try await waitUntil(.seconds(5), "dead session removed") { server.sessions.count == 0 }
            let rest = try await socket.receive(until: { _ in false }, timeout: .seconds(5))
            #expect((head + rest).contains(0x89), "server should have pinged before giving up")
            try await expectEchoWorks(server)
        }
    }

    @Test("graceful shutdown closes connected clients with 1001 after flushing")
    func gracefulShutdownSends1001() async throws {
        let transport = WebSocketServerTransport(configuration: TestServer.configuration(), logger: TestServer.quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: [EchoAdapter()], logger: TestServer.quietLogger)
        let group = ServiceGroup(services: [server], logger: TestServer.quietLogger)
        let running = Task { try await group.run() }
        do {
            let url = try await transport.boundListeners()[0].webSocketURL(path: "/echo")
            let connected = AsyncStream.makeStream(of: Void.self)
            let client = Task {
                try await TestServer.client(url).withConnection { connection in
                    try await connection.write(.text("before"))
                    var frames: [Frame] = []
                    for try await frame in connection.inbound {
                        frames.append(frame)
                        connected.continuation.yield()
                    }
                    return frames
                }
            }
            for await _ in connected.stream { break }
            await group.triggerGracefulShutdown()
            let outcome = try await withTimeout(.seconds(10), "client close") { try await client.value }
            #expect(outcome.result == [.text("before")])
            #expect(outcome.closeCode == .goingAway)
            #expect(outcome.closeReason == "server shutting down")
            try await withTimeout(.seconds(10), "server exit") { try await running.value }
        } catch {
            running.cancel()
            throw error
        }
    }

    private func expectEchoWorks(_ server: TestServer) async throws {
        let outcome = try await TestServer.client(server.url("/echo")).withConnection { connection in
            try await connection.write(.text("still here"))
            return try await connection.inbound.first { _ in true }
        }
        #expect(outcome.result == .text("still here"))
    }
}

/// An adapter whose behaviour is a closure, for tests.
struct ProbeAdapter: AsyncProtocolAdapter {
    let name = "probe"
    let body: @Sendable (Connection, Session) async throws -> Void

    init(_ body: @escaping @Sendable (Connection, Session) async throws -> Void) {
        self.body = body
    }

    func handle(_ connection: Connection, session: Session) async {
        try? await body(connection, session)
    }
}
