import MsgPack
import NIOCore
import Synchronization
import WSLink

/// Flow control of `wslink-publish`, shared by all subscribers: the trigger asks for the next
/// batch once the previous one has reached the gate (the last subscriber, served last), so the
/// server's queues stay bounded and the figure is the rate it can deliver, not the rate it accepts.
final class PublishGate: Sendable {
    let gateIndex: Int
    private let delivered = Atomic<Int>(0)

    init(gateIndex: Int) { self.gateIndex = gateIndex }

    var gateDelivered: Int { delivered.load(ordering: .relaxed) }
    func deliveredToGate() { delivered.add(1, ordering: .relaxed) }
}

/// `wslink-publish`: every connection is a subscriber and counts deliveries of the topic;
/// connection 0 also calls `demo.flood(topic, count, size, rate)` batch after batch.
/// Latency is publish-to-delivery, from the server's CLOCK_MONOTONIC stamp `t` in each publish.
final class WSLinkPublishDriver: ScenarioDriver {
    static let topic = "bench.flood"
    static let maxStall: UInt64 = 200_000_000

    private var wire = WSLinkWire()
    private let secret: String
    private let batch: Int
    private let size: Int
    private let rate: Int
    private let gate: PublishGate
    private var batchesCalled = 0
    private var resultPending = false
    private var resultAt: UInt64 = 0

    /// The first `listeners` connections announce the topic, the others another one (0: nobody announces).
    private let listeners: Int

    init(secret: String, batch: Int, size: Int, rate: Int, gate: PublishGate, listeners: Int) {
        self.listeners = listeners
        self.secret = secret
        self.batch = max(1, batch)
        self.size = size
        self.rate = rate
        self.gate = gate
    }

    func connected(_ connection: BenchConnection) { wire.sendHello(secret: secret, on: connection) }

    func begin(_ connection: BenchConnection) {
        if listeners > 0 {
            let topic = connection.index < listeners ? Self.topic : "bench.elsewhere"
            let announcement = WSLinkRequest(id: "system:\(wire.clientID):0", method: "wslink.subscribe", args: [.string(topic)])
            wire.send(.request(announcement), on: connection)
        }
        if connection.index == 0 { callFlood(connection) }
    }

    func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        guard let envelope = wire.receiveAfterHello(payload, binary: binary, on: connection) else { return }
        switch envelope {
        case .result("publish:\(Self.topic):0", let value):
            let now = monotonicNanoseconds()
            guard let stamp = value["t"]?.uint64Value, value["bin"]?.binaryValue?.count == size else {
                connection.stats.noteError("wslink: malformed publish \(value)")
                return
            }
            connection.stats.complete(startedAt: stamp, now: now, bytes: size)
            if connection.index == gate.gateIndex { gate.deliveredToGate() }
        case .result(let id, let result) where id.hasPrefix("system:"):
            guard result["subscribed"] == true else {
                connection.stats.noteError("wslink: announcement answered \(result)")
                return
            }
        case .result(let id, let result) where id.hasPrefix("rpc:"):
            guard result["published"]?.intValue == batch else {
                connection.stats.noteError("wslink: demo.flood answered \(result)")
                return
            }
            resultPending = false
            resultAt = monotonicNanoseconds()
            waitForGate(connection)
        default:
            connection.stats.noteError("wslink: \(envelope)")
        }
    }

    private func callFlood(_ connection: BenchConnection) {
        guard connection.stats.phase.isRunning(monotonicNanoseconds()) else { return }
        let kwargs: WSLinkKeywords = ["topic": .string(Self.topic), "count": .integer(batch), "size": .integer(size), "rate": .integer(rate)]
        wire.sendCall("demo.flood", sequence: UInt64(batchesCalled), args: [], kwargs: kwargs, on: connection)
        batchesCalled += 1
        resultPending = true
    }

    /// The next batch goes out once the gate has all but the latest batch (one batch stays in
    /// flight), or after `maxStall` if deliveries were lost.
    private func waitForGate(_ connection: BenchConnection) {
        let now = monotonicNanoseconds()
        if gate.gateDelivered >= (batchesCalled - 1) * batch || now - resultAt > Self.maxStall {
            return callFlood(connection)
        }
        connection.event!.assumeIsolated().scheduleTask(in: .microseconds(200)) { [self] in
            waitForGate(connection)
        }
    }
}
