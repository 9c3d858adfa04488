import NIOCore

/// Closed-loop request/response on one connection: keeps `inflight` requests outstanding and,
/// with a rate, paces sends to one every `interval` (latency then counts from the planned send
/// time, so a late server is not hidden by the pacing).
class RequestResponseDriver: ScenarioDriver {
    let inflight: Int
    let interval: UInt64
    private var pending: [UInt64: UInt64] = [:]
    private var nextSequence: UInt64 = 0
    private var nextSendAt: UInt64 = 0

    init(inflight: Int, interval: UInt64) {
        self.inflight = max(1, inflight)
        self.interval = interval
    }

    // MARK: overridden by scenarios

    /// The scenario's handshake; the default has none.
    func connected(_ connection: BenchConnection) { connection.ready() }

    /// Writes request number `sequence`.
    func sendRequest(_ connection: BenchConnection, sequence: UInt64) {}

    func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {}

    // MARK: the loop

    func begin(_ connection: BenchConnection) {
        nextSendAt = monotonicNanoseconds()
        for _ in 0..<inflight { sendNext(connection) }
    }

    /// Request `sequence` was answered (`bytes` for throughput figures); sends the next one.
    final func replied(_ connection: BenchConnection, sequence: UInt64, bytes: Int = 0) {
        guard let sentAt = pending.removeValue(forKey: sequence) else {
            connection.stats.noteError("reply to unknown request \(sequence)")
            return
        }
        connection.stats.complete(startedAt: sentAt, now: monotonicNanoseconds(), bytes: bytes)
        sendNext(connection)
    }

    /// The oldest outstanding request (for in-order protocols such as echo).
    final var oldestPending: UInt64? { pending.keys.min() }

    final func sendNext(_ connection: BenchConnection) {
        let now = monotonicNanoseconds()
        guard connection.stats.phase.isRunning(now) else { return }
        guard interval > 0 else { return send(connection, plannedAt: now) }
        let due = max(nextSendAt, now)
        nextSendAt = due + interval
        if due <= now { return send(connection, plannedAt: now) }
        connection.event!.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(due)) { [self] in
            send(connection, plannedAt: due)
        }
    }

    private func send(_ connection: BenchConnection, plannedAt: UInt64) {
        let sequence = nextSequence
        nextSequence += 1
        pending[sequence] = plannedAt
        sendRequest(connection, sequence: sequence)
    }
}
