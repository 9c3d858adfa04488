import CrossComm
import NIOCore
import SwitchboardCore

/// `crosscomm-forward`: connections in pairs (0↔1, 2↔3, …), each logged in under its own id,
/// send directed text messages to their partner through the hub. Every received message is one
/// forward (latency = one way, from the send stamp in the content) and releases the next send,
/// so each pair keeps 2 × `inflight` messages in flight.
final class CrossCommDriver: ScenarioDriver {
    private let ownID: String
    private let partnerID: String
    private let inflight: Int
    private let padding: String
    private var loggedIn = false

    init(run: String, index: Int, inflight: Int, payloadSize: Int) {
        self.ownID = "bench-\(run)-\(index)"
        self.partnerID = "bench-\(run)-\(index ^ 1)"
        self.inflight = max(1, inflight)
        self.padding = String(repeating: "x", count: max(0, payloadSize - 20))
    }

    func connected(_ connection: BenchConnection) {
        for type in [CrossCommMessageType.login, .heartbeat] {
            connection.send(text: CrossCommMessage(type: type, content: .object([]), from: ownID, to: CrossCommMessage.server).encoded)
        }
    }

    func begin(_ connection: BenchConnection) {
        for _ in 0..<inflight { sendToPartner(connection) }
    }

    func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        let now = monotonicNanoseconds()
        let message: CrossCommMessage
        do {
            message = try CrossCommMessage(decoding: .text(String(buffer: payload)))
        } catch {
            connection.stats.noteError("crosscomm: undecodable message: \(error)")
            return
        }
        switch message.type {
        case .loginResponse:
            guard !loggedIn else { return }
            loggedIn = true
            connection.ready()
        case .text where message.from == partnerID:
            guard let text = message.text, let stamp = UInt64(text.prefix { $0 != ":" }) else {
                connection.stats.noteError("crosscomm: unexpected content \(message.content)")
                return
            }
            connection.stats.complete(startedAt: stamp, now: now, bytes: payload.readableBytes)
            sendToPartner(connection)
        default:
            break
        }
    }

    private func sendToPartner(_ connection: BenchConnection) {
        let now = monotonicNanoseconds()
        guard connection.stats.phase.isRunning(now) else { return }
        let message = CrossCommMessage(type: .text, content: .string("\(now):\(padding)"), from: ownID, to: partnerID)
        connection.send(text: message.encoded)
    }
}
