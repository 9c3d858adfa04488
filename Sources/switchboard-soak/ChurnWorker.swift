import CrossComm
import Logging
import MsgPack
import Siyi
import SwitchboardCore
import SwitchboardWebSocket
import Synchronization
import WSLink

/// Counters every churn worker adds to. Lock-free: relaxed atomics.
final class ChurnTally: Sendable {
    let connections = Atomic<Int>(0)
    let operations = Atomic<Int>(0)
    let publishes = Atomic<Int>(0)
    let abrupt = Atomic<Int>(0)
    let unexpectedErrors = Atomic<Int>(0)
    let live = Atomic<Int>(0)
    private let lastError = Mutex<String?>(nil)

    func count(_ counter: borrowing Atomic<Int>, _ amount: Int = 1) { counter.add(amount, ordering: .relaxed) }
    func value(_ counter: borrowing Atomic<Int>) -> Int { counter.load(ordering: .relaxed) }

    func unexpected(_ error: any Error, _ what: String) {
        unexpectedErrors.add(1, ordering: .relaxed)
        lastError.withLock { $0 = "\(what): \(error)" }
    }

    var lastUnexpected: String? { lastError.withLock { $0 } }
}

/// One churn worker: opens a connection of a random protocol, does a random handful of calls
/// and publishes, and disconnects — politely or in the middle of a call — again and again
/// until the deadline. Every choice comes from its seeded generator.
struct ChurnWorker {
    enum ChurnProtocol: String, CaseIterable {
        case wslink, crosscomm, siyi
    }

    let index: Int
    let wslinkURL: String
    let crossCommURL: String
    let siyiURL: String
    let protocols: [ChurnProtocol]
    let tally: ChurnTally
    let logger: Logger
    var random: SeededGenerator

    mutating func run(until deadline: ContinuousClock.Instant) async {
        var session = 0
        while ContinuousClock.now < deadline && !Task.isCancelled {
            session += 1
            let actions = Int.random(in: 1...12, using: &random)
            let abrupt = Int.random(in: 0..<4, using: &random) == 0
            tally.count(tally.connections)
            tally.count(tally.live)
            defer { tally.count(tally.live, -1) }
            switch protocols[Int.random(in: 0..<protocols.count, using: &random)] {
            case .wslink: await wslinkSession(actions: actions, abrupt: abrupt)
            case .crosscomm: await crossCommSession(id: "soak-\(index)-\(session)", actions: actions, abrupt: abrupt)
            case .siyi: await siyiSession(actions: actions, abrupt: abrupt)
            }
        }
    }

    private func transport(_ url: String) -> WebSocketClientTransport {
        WebSocketClientTransport(configuration: .init(url: url, closeTimeout: .seconds(2)), logger: logger)
    }

    private mutating func wslinkSession(actions: Int, abrupt: Bool) async {
        let client = WSLinkClient(transport: transport(wslinkURL), configuration: .init(callTimeout: .seconds(10)), logger: logger)
        let run = Task { try await client.run() }
        defer { run.cancel() }
        do {
            _ = try await client.waitUntilReady(timeout: .seconds(10))
            let topic = "soak.w\(index)"
            let ticks = try client.subscribe(topic)
            for _ in 0..<actions {
                switch Int.random(in: 0..<5, using: &random) {
                case 0:
                    let sum: Int = try await client.call("demo.add", args: [20, 22])
                    if sum != 42 { tally.unexpected(SwitchboardError(code: .protocolViolation, message: "demo.add gave \(sum)"), "wslink") }
                case 1:
                    _ = try await client.call("demo.echo", args: ["soak", .integer(Int64(index))])
                case 2:
                    _ = try await client.call("demo.bytes", args: [.integer(Int64(Int.random(in: 0...65536, using: &random)))])
                case 3:
                    let count = Int.random(in: 1...4, using: &random)
                    _ = try await client.call("demo.start", kwargs: ["count": .integer(Int64(count)), "topic": .string(topic)])
                    tally.count(tally.publishes, count)
                default:
                    do {
                        _ = try await client.call("demo.fail")
                        tally.unexpected(SwitchboardError(code: .protocolViolation, message: "demo.fail succeeded"), "wslink")
                    } catch let error as WSLinkError where error.code == .remote {}
                }
                tally.count(tally.operations)
            }
            _ = ticks
            if abrupt {
                // Leave with a call in flight: the server must tidy up after the vanished peer.
                let pending = Task { try await client.call("demo.start", kwargs: ["count": 3, "topic": .string(topic)]) }
                run.cancel()
                _ = await pending.result
                tally.count(tally.abrupt)
            }
        } catch {
            tally.unexpected(error, "wslink")
        }
    }

    private mutating func crossCommSession(id: String, actions: Int, abrupt: Bool) async {
        let client = CrossCommClient(transport: transport(crossCommURL), configuration: .init(clientID: id, reconnect: .never), logger: logger)
        client.onMessage { _ in }
        do {
            try await client.login(timeout: .seconds(10))
            for _ in 0..<actions {
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    try await client.send("hello from \(id)")
                    tally.count(tally.publishes)
                case 1:
                    _ = try await client.send(.object([.init(key: "n", value: .integer(Int64(index)))]), type: .dict, to: "soak-nobody")
                default:
                    _ = try await client.listClients(timeout: .seconds(10))
                }
                tally.count(tally.operations)
            }
            if abrupt {
                let pending = Task { try await client.listClients(timeout: .seconds(10)) }
                await client.logout()
                _ = await pending.result
                tally.count(tally.abrupt)
            } else {
                await client.logout()
            }
        } catch {
            tally.unexpected(error, "crosscomm")
            await client.logout()
        }
    }

    private mutating func siyiSession(actions: Int, abrupt: Bool) async {
        var configuration = SiyiClientConfiguration(requestTimeout: .seconds(10))
        configuration.autoReconnect = false
        let client = SiyiClient(transport: transport(siyiURL), configuration: configuration, logger: logger)
        client.register("get_status") { _, _ in .object([.init(key: "status", value: .string("soaking"))]) }
        client.connect()
        guard await client.waitConnected(timeout: .seconds(10)) else {
            tally.unexpected(SiyiError(code: .notConnected, message: "no connection within 10 s"), "siyi")
            await client.disconnect()
            return
        }
        do {
            for _ in 0..<actions {
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    _ = try await client.request("echo", params: .object([.init(key: "worker", value: .integer(Int64(index)))]))
                case 1:
                    try await client.send(event: "player_update", data: .object([.init(key: "x", value: .integer(Int64(index)))]))
                    tally.count(tally.publishes)
                default:
                    let answer = try await client.request("no_such_command")
                    if answer.isSuccess { tally.unexpected(SiyiError(code: .invalidResponse, message: "unknown command answered ok"), "siyi") }
                }
                tally.count(tally.operations)
            }
            if abrupt {
                let pending = Task { try await client.request("echo", params: .string("abandoned")) }
                await client.disconnect()
                _ = await pending.result
                tally.count(tally.abrupt)
            }
        } catch {
            tally.unexpected(error, "siyi")
        }
        await client.disconnect()
    }
}
