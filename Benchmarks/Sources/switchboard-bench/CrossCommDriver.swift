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
    /// `"<partner id>"` as it appears in a forward's `from_client_id`.
    private let partnerQuoted: [UInt8]
    private let inflight: Int
    private let padding: String
    private var loggedIn = false

    init(run: String, index: Int, inflight: Int, payloadSize: Int) {
        self.ownID = "bench-\(run)-\(index)"
        self.partnerID = "bench-\(run)-\(index ^ 1)"
        self.partnerQuoted = Array("\"bench-\(run)-\(index ^ 1)\"".utf8)
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
        // The measured path reads only what it needs from a forward (its type, sender and send
        // stamp) instead of decoding the whole message: the generator must stay cheaper per
        // message than the servers it measures. Anything else takes the full decoder below.
        if loggedIn, let stamp = Self.forwardStamp(payload, from: partnerQuoted) {
            connection.stats.complete(startedAt: stamp, now: now, bytes: payload.readableBytes)
            sendToPartner(connection)
            return
        }
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


    /// The send stamp of a `text` forward from `sender` (the digits that open its content), or
    /// `nil` when the message is anything else. Both hubs write JSON with `": "` after keys.
    static func forwardStamp(_ payload: ByteBuffer, from sender: [UInt8]) -> UInt64? {
        payload.withUnsafeReadableBytes { bytes -> UInt64? in
            guard let type = find(msgTypeKey, in: bytes), starts(bytes, at: type, with: textValue),
                  let from = find(fromKey, in: bytes), starts(bytes, at: from, with: sender),
                  let content = find(contentKey, in: bytes)
            else { return nil }
            var stamp: UInt64 = 0
            var index = content
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                stamp = stamp &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > content && index < bytes.count && bytes[index] == UInt8(ascii: ":") ? stamp : nil
        }
    }

    /// The index just past the first occurrence of `needle` (a plain byte loop: the generic
    /// `firstRange(of:)` cost the generator ≈ 100 µs per message).
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = 0
        while index + needle.count <= bytes.count {
            if bytes[index] == first && starts(bytes, at: index, with: needle) { return index + needle.count }
            index += 1
        }
        return nil
    }

    private static func starts(_ bytes: UnsafeRawBufferPointer, at index: Int, with prefix: [UInt8]) -> Bool {
        index + prefix.count <= bytes.count && prefix.indices.allSatisfy { bytes[index + $0] == prefix[$0] }
    }

    private static let msgTypeKey = Array("\"msg_type\": ".utf8)
    private static let textValue = Array("\"text\"".utf8)
    private static let fromKey = Array("\"from_client_id\": ".utf8)
    private static let contentKey = Array("\"content\": \"".utf8)

    private func sendToPartner(_ connection: BenchConnection) {
        let now = monotonicNanoseconds()
        guard connection.stats.phase.isRunning(now) else { return }
        let message = CrossCommMessage(type: .text, content: .string("\(now):\(padding)"), from: ownID, to: partnerID)
        connection.send(text: message.encoded)
    }
}
