import Foundation
import SwitchboardCore
import SwitchboardTesting
@testable import SwitchboardWebSocket
import Synchronization
import Testing

/// Request-head timeout, connection limits, upgrade rate and origin checks over real loopback
/// sockets (issue 16).
@Suite("HTTP hardening over loopback", .timeLimit(.minutes(2)))
struct HTTPHardeningTests {
    static func configuration(_ limits: ConnectionLimits, routes: [WebSocketRoute] = [WebSocketRoute("/echo", adapter: "echo")]) -> WebSocketServerTransport.Configuration {
        var configuration = TestServer.configuration(routes: routes)
        configuration.limiter = ConnectionLimiter(limits: limits, logger: TestServer.quietLogger)
        return configuration
    }

    static func upgradeRequest(path: String = "/echo", headers: [String] = []) -> String {
        ([
            "GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        ] + headers).joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// The status line of the answer to `request` on a fresh connection.
    static func statusLine(port: Int, _ request: String) async throws -> String {
        let socket = try RawSocket(port: port)
        try await socket.send(request)
        let head = try await socket.receive(until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }, timeout: .seconds(5))
        return String(String(decoding: head, as: UTF8.self).prefix { $0 != "\r\n" })
    }

    static func expectStatus(_ expected: String, port: Int, _ request: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let status = try await statusLine(port: port, request)
        #expect(status == expected, sourceLocation: sourceLocation)
    }

    @Test("1,000 slow-header connections get 408 within the head timeout while an echo client keeps answering")
    func slowHeaders() async throws {
        let timeout = Duration.seconds(2)
        let configuration = Self.configuration(.init(requestHeadTimeout: timeout, maxConnectionsPerAddress: 5_000))
        try await TestServer.with(configuration) { server in
            let stop = Atomic<Bool>(false)
            let control = Task {
                try await TestServer.client(server.url("/echo")).withConnection { connection in
                    var inbound = connection.inbound.makeAsyncIterator()
                    var latencies: [Duration] = []
                    for index in 0..<2_000 where !stop.load(ordering: .relaxed) {
                        let start = ContinuousClock.now
                        try await connection.write(.text("ping \(index)"))
                        guard try await inbound.next() == .text("ping \(index)") else { throw SwitchboardError(code: .protocolViolation, message: "bad echo") }
                        latencies.append(.now - start)
                        try await Task.sleep(for: .milliseconds(10))  // pacing, not synchronisation
                    }
                    return latencies
                }.result
            }
            var clients: [SlowHeaderClient] = []
            for _ in 0..<1_000 {
                let client = try await SlowHeaderClient.connect(port: server.port)
                try await client.send("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
                clients.append(client)
            }
            // A byte more on each: trickling must not extend the deadline.
            for client in clients { try? await client.send("C") }
            let all = clients
            try await withTimeout(timeout + .seconds(8), "slow-header connections closed") {
                for client in all { try await client.waitForClose() }
            }
            stop.store(true, ordering: .relaxed)
            let latencies = try await withTimeout(.seconds(10), "control client") { try await control.value }

            let lifetimes = clients.compactMap(\.lifetime)
            #expect(lifetimes.count == 1_000)
            #expect(lifetimes.allSatisfy { $0 >= timeout - .milliseconds(50) && $0 <= timeout + .milliseconds(1500) }, "lifetimes \(lifetimes.min()!)…\(lifetimes.max()!)")
            #expect(clients.allSatisfy { $0.received.hasPrefix("HTTP/1.1 408 Request Timeout") })
            #expect(server.transport.configuration.limiter.statistics.headTimeouts == 1_000)
            let sorted = latencies.sorted()
            #expect(sorted.count >= 20, "the control client kept echoing")
            let p95 = sorted[sorted.count * 95 / 100]
            #expect(p95 < .milliseconds(50), "echo p95 \(p95), max \(sorted.last!)")
            try await waitUntil(.seconds(5), "slow connections released") { server.transport.configuration.limiter.statistics.open <= 1 }
        }
    }

    @Test("over the per-address limit an upgrade gets 503 and is counted; a freed slot admits again")
    func perAddressLimit() async throws {
        try await TestServer.with(Self.configuration(.init(maxConnectionsPerAddress: 5, exemptsLoopback: false))) { server in
            let limiter = { @Sendable in server.transport.configuration.limiter }
            var held: [RawSocket] = []
            for _ in 0..<5 { held.append(try RawSocket(port: server.port)) }
            try await waitUntil(.seconds(5), "five admitted") { limiter().statistics.open == 5 }
            try await Self.expectStatus("HTTP/1.1 503 Service Unavailable", port: server.port, Self.upgradeRequest())
            try await Self.expectStatus("HTTP/1.1 503 Service Unavailable", port: server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            // A refused client that sends nothing is answered at once and let go within a second.
            let mute = try await SlowHeaderClient.connect(port: server.port)
            try await withTimeout(.seconds(5), "refused connection closed") { try await mute.waitForClose() }
            #expect(mute.received.hasPrefix("HTTP/1.1 503 Service Unavailable"))
            #expect(try #require(mute.lifetime) < .milliseconds(1500))
            #expect(limiter().statistics.refusedAddressLimit == 3)
            held.removeLast()
            try await waitUntil(.seconds(5), "one released") { limiter().statistics.open == 4 }
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: server.port, Self.upgradeRequest())
            #expect(held.count == 4)
        }
    }

    @Test("loopback peers are exempt from the per-address limits by default, not from the total")
    func loopbackExempt() async throws {
        try await TestServer.with(Self.configuration(.init(maxConnections: 4, maxConnectionsPerAddress: 2, upgradesPerSecondPerAddress: 1))) { server in
            let held = [try RawSocket(port: server.port), try RawSocket(port: server.port)]
            try await waitUntil(.seconds(5), "two admitted") { server.transport.configuration.limiter.statistics.open == 2 }
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: server.port, Self.upgradeRequest())
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: server.port, Self.upgradeRequest())
            #expect(held.count == 2)
        }
    }

    @Test("over the total limit connections get 503")
    func totalLimit() async throws {
        try await TestServer.with(Self.configuration(.init(maxConnections: 2))) { server in
            let held = [try RawSocket(port: server.port), try RawSocket(port: server.port)]
            try await waitUntil(.seconds(5), "two admitted") { server.transport.configuration.limiter.statistics.open == 2 }
            try await Self.expectStatus("HTTP/1.1 503 Service Unavailable", port: server.port, Self.upgradeRequest())
            #expect(server.transport.configuration.limiter.statistics.refusedTotalLimit == 1)
            #expect(held.count == 2)
        }
    }

    @Test("a request head over the limit gets 431")
    func headTooLarge() async throws {
        try await TestServer.with(Self.configuration(.init(maxRequestHeadBytes: 2048))) { server in
            let padding = "X-Padding: " + String(repeating: "a", count: 4096)
            try await Self.expectStatus("HTTP/1.1 431 Request Header Fields Too Large", port: server.port, Self.upgradeRequest(headers: [padding]))
            #expect(server.transport.configuration.limiter.statistics.headsTooLarge == 1)
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: server.port, Self.upgradeRequest())
        }
    }

    @Test("upgrades over the per-second rate of an address get 429")
    func upgradeRate() async throws {
        try await TestServer.with(Self.configuration(.init(upgradesPerSecondPerAddress: 3, exemptsLoopback: false))) { server in
            let start = ContinuousClock.now
            var statuses: [String] = []
            for _ in 0..<4 { statuses.append(try await Self.statusLine(port: server.port, Self.upgradeRequest())) }
            #expect(statuses.prefix(3).allSatisfy { $0 == "HTTP/1.1 101 Switching Protocols" })
            // Only meaningful when the four fell into one one-second window.
            if ContinuousClock.now - start < .milliseconds(900) {
                #expect(statuses[3] == "HTTP/1.1 429 Too Many Requests")
                #expect(server.transport.configuration.limiter.statistics.refusedUpgradeRate == 1)
            }
        }
    }

    @Test("a foreign Origin gets 403 on every route by default; same host, loopback and no Origin pass; a route may allow more")
    func origins() async throws {
        var routes = [WebSocketRoute("/echo", adapter: "echo"), WebSocketRoute("*", adapter: "echo")]
        routes.append({ var open = WebSocketRoute("/open", adapter: "echo"); open.originPolicy = .any; return open }())
        try await TestServer.with(Self.configuration(.default, routes: routes)) { server in
            let port = server.port
            for path in ["/echo", "/anything"] {
                try await Self.expectStatus("HTTP/1.1 403 Forbidden", port: port, Self.upgradeRequest(path: path, headers: ["Origin: https://evil.example"]))
                try await Self.expectStatus("HTTP/1.1 403 Forbidden", port: port, Self.upgradeRequest(path: path, headers: ["Origin: null"]))
                try await Self.expectStatus("HTTP/1.1 403 Forbidden", port: port, Self.upgradeRequest(path: path, headers: ["Origin: http://127.evil.example"]))
            }
            for origin in ["http://127.0.0.1", "http://localhost:3000", "http://[::1]:8080"] {
                try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: port, Self.upgradeRequest(headers: ["Origin: \(origin)"]))
            }
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: port, Self.upgradeRequest())
            try await Self.expectStatus("HTTP/1.1 101 Switching Protocols", port: port, Self.upgradeRequest(path: "/open", headers: ["Origin: https://evil.example"]))
            #expect(server.transport.configuration.limiter.statistics.originRefused == 6)
        }
    }
}
