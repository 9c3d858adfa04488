import MsgPack
import NIOCore
import WSLink

/// `wslink-rpc`: round trips of `demo.add(n, 1)` (payload 0) or `demo.echo(<payload bytes>)`.
/// `wslink-binary` uses the same loop with `demo.bytes(payload)` and counts bytes as they arrive.
final class WSLinkRPCDriver: RequestResponseDriver {
    enum Call { case add, echo([UInt8]), bytes(Int) }

    private var wire = WSLinkWire()
    private let secret: String
    private let call: Call

    init(call: Call, secret: String, inflight: Int, interval: UInt64) {
        self.call = call
        self.secret = secret
        super.init(inflight: inflight, interval: interval)
    }

    override func connected(_ connection: BenchConnection) {
        wire.sendHello(secret: secret, on: connection)
    }

    override func sendRequest(_ connection: BenchConnection, sequence: UInt64) {
        switch call {
        case .add: wire.sendCall("demo.add", sequence: sequence, args: [.integer(sequence), 1], on: connection)
        case .echo(let bytes): wire.sendCall("demo.echo", sequence: sequence, args: [.binary(bytes)], on: connection)
        case .bytes(let count): wire.sendCall("demo.bytes", sequence: sequence, args: [.integer(count)], on: connection)
        }
    }

    override func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        if case .bytes(let count) = call {
            connection.stats.received(bytes: payload.readableBytes, now: monotonicNanoseconds())
            // A large result is skimmed, not decoded: its blob is checked by length and not
            // copied once more (the generator would otherwise be the bound of the binary row).
            if !wire.clientID.isEmpty {
                switch wire.receive(payload, binary: binary, skimmingFrom: 1 << 20, on: connection) {
                case nil: return
                case .envelope(let envelope)?: return handle(envelope, on: connection)
                case .large(let reply)?:
                    guard let sequence = WSLinkWire.sequence(of: reply.id), reply.binaryLengths["blob"] == count else {
                        return connection.stats.noteError("wslink: wrong result for \(reply.id): \(reply.binaryLengths)")
                    }
                    return replied(connection, sequence: sequence)
                }
            }
        }
        guard let envelope = wire.receiveAfterHello(payload, binary: binary, on: connection) else { return }
        handle(envelope, on: connection)
    }

    private func handle(_ envelope: WSLinkEnvelope, on connection: BenchConnection) {
        guard case .result(let id, let result) = envelope, let sequence = WSLinkWire.sequence(of: id) else {
            if case .result(let id, _) = envelope, id.hasPrefix("publish:") { return }
            connection.stats.noteError("wslink: \(envelope)")
            return
        }
        guard check(result, sequence: sequence) else {
            connection.stats.noteError("wslink: wrong result for \(id)")
            return
        }
        replied(connection, sequence: sequence)
    }

    private func check(_ result: MsgPackValue, sequence: UInt64) -> Bool {
        switch call {
        case .add: result.uint64Value == sequence + 1
        case .echo(let bytes): result["args"]?[0]?.binaryValue?.count == bytes.count
        case .bytes(let count): result["blob"]?.binaryValue?.count == count
        }
    }
}
