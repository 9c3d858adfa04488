import CoreMetrics
import Foundation
import Logging
import MsgPack
import Prometheus
import SwitchboardApplication
import SwitchboardCore
import SwitchboardFaultInjection
import SwitchboardTesting
import SwitchboardWebSocket
import Testing
import WSLink

let quietLogger = Logger(label: "switchboard.application.tests") { _ in SwiftLogNoOpLogHandler() }

/// A ``SwitchboardApplication`` on port 0 with its own Prometheus registry (no global
/// bootstrap), run for the duration of `body`.
func withApplication<R: Sendable>(
    _ configure: (inout SwitchboardApplication.Configuration) -> Void = { _ in },
    _ body: @escaping @Sendable (_ port: Int, _ scrape: @escaping @Sendable () async throws -> MetricsScrape) async throws -> R
) async throws -> R {
    let registry = PrometheusCollectorRegistry()
    let sessions = SessionManager(metricsFactory: PrometheusMetricsFactory(registry: registry), logger: quietLogger)
    var router = WSLinkRouter()
    router.expose("t.add", parameters: "a", "b") { (a: Int, b: Int) in a + b }
    var configuration = SwitchboardApplication.Configuration(port: 0)
    configuration.wslink = .init(router: router, configuration: .init(secret: "right"))
    configuration.metrics = registry
    configuration.announce = false
    configuration.maxMessageSize = 4096
    configure(&configuration)
    let application = try SwitchboardApplication(configuration: configuration, sessions: sessions, logger: quietLogger)
    return try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask {
            try await application.run()
            return nil
        }
        defer { group.cancelAll() }
        let port = try await withTimeout(.seconds(10)) { try await application.boundListeners() }.first { $0.name == "main" }!.port
        let scrape: @Sendable () async throws -> MetricsScrape = {
            try MetricsScrape(parsing: try await LoopbackHTTP.get(port: port, path: "/metrics"))
        }
        return try await body(port, scrape)
    }
}

@Suite(.timeLimit(.minutes(2))) struct ApplicationMetricsTests {
    @Test func countersMoveWhenClientsConnectCallAndMisbehave() async throws {
        try await withApplication { port, scrape in
            let before = try await scrape()
            // Present before any traffic, as the issue asks.
            #expect(before.types["switchboard_auth_failures_total"] == "counter")
            #expect(before.sum("switchboard_auth_failures_total", ["protocol": "wslink"]) == 0)
            #expect(before.sum("switchboard_connections_opened_total", ["protocol": "wslink"]) == 0)

            // Connect and call.
            let url = "ws://127.0.0.1:\(port)/ws"
            let client = WSLinkClient(
                transport: WebSocketClientTransport(configuration: .init(url: url), logger: quietLogger),
                configuration: .init(secret: "right", reconnect: nil),
                logger: quietLogger
            )
            let sum = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask {
                    try await client.run()
                    return nil
                }
                defer { group.cancelAll() }
                _ = try await client.waitUntilReady(timeout: .seconds(10))
                let sum = try await client.call("t.add", args: [40, 2], as: Int.self)
                let during = try await scrape()
                #expect(during.sum("switchboard_sessions_open", ["protocol": "wslink"]) == 1)
                return sum
            }
            #expect(sum == 42)
            let afterCall = try await scrape()
            #expect(afterCall.sum("switchboard_connections_opened_total", ["protocol": "wslink"]) == 1)
            #expect(afterCall.sum("switchboard_messages_in_total", ["protocol": "wslink"]) >= 2)      // hello + call
            #expect(afterCall.sum("switchboard_messages_out_total", ["protocol": "wslink"]) >= 2)     // hello + result
            #expect(afterCall.sum("switchboard_bytes_in_total", ["protocol": "wslink"]) > 0)
            #expect(afterCall.types["switchboard_request_duration_seconds"] == "histogram")
            #expect(afterCall.sum("switchboard_request_duration_seconds_count", ["protocol": "wslink", "method": "t.add"]) == 1)

            // Misbehave: a wrong secret, then a message over the size limit (closed with 1009).
            let intruder = WSLinkClient(
                transport: WebSocketClientTransport(configuration: .init(url: url), logger: quietLogger),
                configuration: .init(secret: "wrong", reconnect: nil),
                logger: quietLogger
            )
            await #expect(throws: (any Error).self) {
                try await withTimeout(.seconds(10)) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await intruder.run() }
                        defer { group.cancelAll() }
                        _ = try await intruder.waitUntilReady(timeout: .seconds(10))
                    }
                }
            }
            let raw = WebSocketClientTransport(configuration: .init(url: url), logger: quietLogger)
            let outcome = try await raw.withConnection { connection in
                try await connection.write(.binary([UInt8](repeating: 7, count: 10_000)))
                for try await _ in connection.inbound {}
            }
            #expect(outcome.closeCode == .messageTooBig)

            try await waitUntil(.seconds(10), "metrics to count the misbehaving clients", pollEvery: .milliseconds(20)) {
                guard let now = try? await scrape() else { return false }
                return now.sum("switchboard_auth_failures_total", ["protocol": "wslink"]) == 1
                    && now.sum("switchboard_connections_closed_total", ["protocol": "wslink", "code": "1009"]) == 1
                    && now.sum("switchboard_connections_opened_total", ["protocol": "wslink"]) == 3
                    && now.sum("switchboard_sessions_open", ["protocol": "wslink"]) == 0
            }
        }
    }
}
