import NIOCore

/// `echo`: raw WebSocket messages of `payload` bytes, echoed back in order.
final class EchoDriver: RequestResponseDriver {
    private let payloadSize: Int
    private let binary: Bool
    private let payload: [UInt8]

    init(payloadSize: Int, binary: Bool, inflight: Int, interval: UInt64) {
        self.payloadSize = payloadSize
        self.binary = binary
        // Printable ASCII, so text frames are valid UTF-8 and compress like real data would not.
        self.payload = (0..<payloadSize).map { UInt8(33 + $0 % 90) }
        super.init(inflight: inflight, interval: interval)
    }

    override func sendRequest(_ connection: BenchConnection, sequence: UInt64) {
        connection.send(binary: binary, bytes: payload)
    }

    override func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        guard let oldest = oldestPending else {
            connection.stats.noteError("echo without a request")
            return
        }
        guard payload.readableBytes == payloadSize, binary == self.binary else {
            connection.stats.noteError("echo of \(payload.readableBytes) B (binary \(binary)), sent \(payloadSize) B")
            return
        }
        replied(connection, sequence: oldest, bytes: payloadSize)
    }
}
