import MsgPack

/// The demo protocol of the wslink spec (§18): the same methods, arguments and results as
/// the Python demo server, so one client program runs against either. `switchboard serve`
/// exposes it at `/ws`.
///
/// | method | result |
/// |---|---|
/// | `demo.add(a, b=0, **kw)` | `a + b` |
/// | `demo.echo(*args, **kwargs)` | `{"args": args, "kwargs": kwargs}` |
/// | `demo.bytes(n)` | `{"blob": bytes(i % 256 for i in range(n)), "n": n}` |
/// | `demo.fail()` | throws `ValueError('boom')` (−32001) |
/// | `demo.start(count=3, topic="demo.tick")` | publishes `{"i": i, "bin": bytes([i, i + 1])}` every 50 ms, then `{"published": count}` |
/// | `demo.flood(topic="demo.flood", count=100, size=64, rate=0)` | publishes `{"i", "t", "bin"}` `count` times, flat out or `rate`/s, then `{"published": count}` (benchmarks) |
///
/// ```swift
/// let adapter = WSLinkServerAdapter(router: WSLinkDemoProtocol.router(), logger: logger)
/// ```
public enum WSLinkDemoProtocol {
    /// The largest `demo.bytes` result (the 9 MiB interop case fits easily).
    public static let maxBytes = 64 << 20

    /// A Python exception as the demo raises it; its description is Python's `repr`.
    public struct ValueError: Error, CustomStringConvertible {
        /// The exception's argument.
        public var message: String
        /// `ValueError('boom')`.
        public var description: String { "ValueError('\(message)')" }
    }

    /// The demo methods in a fresh router.
    public static func router() -> WSLinkRouter {
        var router = WSLinkRouter()
        router.exposeRaw("demo.add") { call, _ in
            guard let a = call.args.first ?? call.kwargs["a"] else {
                throw ValueError(message: "add() missing 1 required positional argument: 'a'")
            }
            let b = call.args.count > 1 ? call.args[1] : call.kwargs["b"] ?? 0
            return try add(a, b)
        }
        router.exposeRaw("demo.echo") { call, _ in
            ["args": .array(call.args), "kwargs": call.kwargs.value]
        }
        // async: 64 MiB takes tens of milliseconds to fill and encode, which would otherwise
        // hold the event loop (and every other connection on it) and stop its writes meanwhile.
        router.expose("demo.bytes", parameters: "n") { (n: Int) async throws -> MsgPackValue in
            guard (0...maxBytes).contains(n) else { throw ValueError(message: "n must be between 0 and \(maxBytes)") }
            return ["blob": .binary(countingBytes(n)), "n": .integer(n)]
        }
        router.expose("demo.fail") { () throws -> MsgPackValue in
            throw ValueError(message: "boom")
        }
        router.expose("demo.start", parameters: .init("count", default: 3), .init("topic", default: "demo.tick")) {
            (context: WSLinkContext, count: Int, topic: String) async throws -> MsgPackValue in
            guard (0...255).contains(count) else { throw ValueError(message: "bytes must be in range(0, 256)") }
            for i in 0..<count {
                try context.publisher.publish(topic, ["i": .integer(i), "bin": .binary([UInt8(i), UInt8(truncatingIfNeeded: i + 1)])])
                try await Task.sleep(for: .milliseconds(50))
            }
            return ["published": .integer(count)]
        }
        exposeFlood(on: &router)
        return router
    }

    /// `bytes(i % 256 for i in range(n))`: one period of 256 bytes, then doubling copies of what
    /// is filled (each a multiple of the period): a byte-at-a-time loop over 64 MiB took tens of
    /// milliseconds.
    static func countingBytes(_ n: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
            let period = min(n, 256)
            for index in 0..<period { buffer[index] = UInt8(truncatingIfNeeded: index) }
            var filled = period
            while filled < n, let base = buffer.baseAddress {
                let length = min(filled, n - filled)
                (base + filled).update(from: base, count: length)
                filled += length
            }
            count = n
        }
    }

    /// Python's `a + b` for the types msgpack carries.
    static func add(_ a: MsgPackValue, _ b: MsgPackValue) throws -> MsgPackValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .int(sum)
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.array(let x), .array(let y)): return .array(x + y)
        case (.binary(let x), .binary(let y)): return .binary(x + y)
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return .double(x + y) }
            throw ValueError(message: "unsupported operand types for +")
        }
    }
}
