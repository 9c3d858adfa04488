@testable import SwitchboardWebSocket
import Testing

/// The pure parts of the HTTP hardening: head scanning, limiter bookkeeping, origin matching.
@Suite("HTTP hardening state")
struct HardeningStateTests {
    @Test("the head scanner finds the empty line, byte by byte, with CRLF or bare LF, skipping leading empty lines")
    func headScanner() {
        for (text, expected) in [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", RequestHeadScanner.Outcome.complete),
            ("GET / HTTP/1.1\nHost: x\n\n", .complete),
            ("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n", .incomplete),
            ("GET / HTTP/1.1\r\nHost: x\r\n\r", .incomplete),
        ] {
            var whole = RequestHeadScanner()
            #expect(whole.scan(Array(text.utf8), limit: 1024) == expected, "\(text.debugDescription)")
            var piecewise = RequestHeadScanner()
            var last = RequestHeadScanner.Outcome.incomplete
            for byte in text.utf8 where last == .incomplete { last = piecewise.scan([byte], limit: 1024) }
            #expect(last == expected)
        }
        var large = RequestHeadScanner()
        #expect(large.scan(Array(repeating: UInt8(ascii: "a"), count: 1025), limit: 1024) == .tooLarge)
    }

    @Test("connections are counted in all and per address; refusals are logged once per address and minute")
    func limiterBookkeeping() {
        var state = ConnectionLimiterState(limits: .init(maxConnections: 3, maxConnectionsPerAddress: 2, exemptsLoopback: false))
        let t0 = ContinuousClock.now
        #expect(state.admitConnection(from: "a", now: t0) == nil)
        #expect(state.admitConnection(from: "a", now: t0) == nil)
        #expect(state.admitConnection(from: "a", now: t0) == .init(refusal: .addressLimit, shouldLog: true))
        #expect(state.admitConnection(from: "a", now: t0 + .seconds(30)) == .init(refusal: .addressLimit, shouldLog: false))
        #expect(state.admitConnection(from: "b", now: t0) == nil)
        #expect(state.admitConnection(from: "c", now: t0) == .init(refusal: .totalLimit, shouldLog: true))
        #expect(state.admitConnection(from: "a", now: t0 + .seconds(61)) == .init(refusal: .totalLimit, shouldLog: true))
        state.releaseConnection(from: "a")
        state.releaseConnection(from: "unknown")
        #expect(state.open == 2)
        #expect(state.admitConnection(from: "c", now: t0) == nil)
        #expect(state.statistics.refusedAddressLimit == 2 && state.statistics.refusedTotalLimit == 2 && state.statistics.accepted == 4)
    }

    @Test("upgrades are limited per address and one-second window")
    func upgradeWindow() {
        var state = ConnectionLimiterState(limits: .init(upgradesPerSecondPerAddress: 2))
        #expect((0..<10).allSatisfy { _ in state.admitUpgrade(from: "127.0.0.1", now: .now) == nil })
        #expect(ConnectionLimiterState.isLoopback("::ffff:127.0.0.1") && !ConnectionLimiterState.isLoopback("10.0.0.1"))
        let t0 = ContinuousClock.now
        #expect(state.admitUpgrade(from: "a", now: t0) == nil)
        #expect(state.admitUpgrade(from: "a", now: t0 + .milliseconds(500)) == nil)
        #expect(state.admitUpgrade(from: "a", now: t0 + .milliseconds(900))?.refusal == .upgradeRate)
        #expect(state.admitUpgrade(from: "b", now: t0 + .milliseconds(900)) == nil)
        #expect(state.admitUpgrade(from: "a", now: t0 + .seconds(1)) == nil)
        #expect(state.statistics.refusedUpgradeRate == 1)
    }

    @Test("origins: same host (default ports), loopback, exact entries, null, missing")
    func originMatching() {
        let policy = OriginPolicy.default
        #expect(policy.allows(origin: nil, host: "example.com"))
        #expect(policy.allows(origin: "https://example.com", host: "example.com:443"))
        #expect(policy.allows(origin: "http://Example.com:8080", host: "example.com:8080"))
        #expect(!policy.allows(origin: "http://example.com:8081", host: "example.com:8080"))
        #expect(policy.allows(origin: "http://127.0.0.1:5173", host: "example.com"))
        #expect(policy.allows(origin: "http://app.localhost", host: "example.com"))
        #expect(!policy.allows(origin: "http://127.0.0.1.evil.com", host: "example.com"))
        #expect(!policy.allows(origin: "null", host: "example.com"))
        #expect(!policy.allows(origin: "garbage", host: "example.com"))
        let custom = OriginPolicy(allowed: [.exact("https://app.example.com"), .exact("null")], allowsSameHost: false, allowsMissingOrigin: false)
        #expect(custom.allows(origin: "https://APP.example.com:443", host: "x"))
        #expect(custom.allows(origin: "null", host: "x"))
        #expect(!custom.allows(origin: nil, host: "x"))
        #expect(!custom.allows(origin: "https://x", host: "x"))
        #expect(OriginPolicy.any.allows(origin: "https://anything", host: nil))
    }
}
