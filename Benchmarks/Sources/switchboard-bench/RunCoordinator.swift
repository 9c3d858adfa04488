import NIOCore
import Synchronization

/// Counts connections through their handshakes and starts the measured phase once all of
/// them are ready, so no scenario measures while others are still connecting.
final class RunCoordinator: Sendable {
    private struct State {
        var ready: [BenchConnectionBox] = []
        var lost = 0
        var lostAfterStart = 0
        var started = false
        var readyNanos: [UInt64] = []
    }

    let phase: RunPhase
    let expected: Int
    private let warmup: UInt64
    private let duration: UInt64
    /// Pause between the last handshake and the first message (cluster presence spreading).
    private let settle: UInt64
    private let state = Mutex(State())

    init(phase: RunPhase, expected: Int, warmup: Double, duration: Double, settle: Double = 0) {
        self.phase = phase
        self.expected = expected
        self.settle = UInt64(settle * 1e9)
        self.warmup = UInt64(warmup * 1e9)
        self.duration = UInt64(duration * 1e9)
    }

    /// Connections done with their handshake.
    var readyCount: Int { state.withLock { $0.ready.count } }
    /// Connections that failed or were closed by the server.
    var lostCount: Int { state.withLock { $0.lost } }
    var hasStarted: Bool { state.withLock { $0.started } }
    /// Every connection is either ready or lost (the run starts, or cannot).
    var isSettled: Bool { state.withLock { $0.started || $0.ready.count + $0.lost >= expected } }
    /// Every connection, once the phase has started.
    var connections: [BenchConnectionBox] { state.withLock { $0.ready } }

    func connectionReady(_ connection: BenchConnection) {
        let box = BenchConnectionBox(connection)
        let begin: [BenchConnectionBox]? = state.withLock { state in
            state.ready.append(box)
            return state.ready.count + state.lost >= expected && !state.started ? start(&state) : nil
        }
        begin.map(self.begin)
    }

    func connectionLost() {
        let begin: [BenchConnectionBox]? = state.withLock { state in
            state.lost += 1
            if state.started { state.lostAfterStart += 1 }
            return state.ready.count + state.lost >= expected && !state.started && !state.ready.isEmpty ? start(&state) : nil
        }
        begin.map(self.begin)
    }

    private func start(_ state: inout State) -> [BenchConnectionBox] {
        state.started = true
        let start = monotonicNanoseconds() + settle + warmup
        phase.set(start: start, end: start + duration)
        return state.ready
    }

    private func begin(_ boxes: [BenchConnectionBox]) {
        let settle = TimeAmount.nanoseconds(Int64(settle))
        for box in boxes {
            box.eventLoop.scheduleTask(in: settle) { box.connection.driver.begin(box.connection) }
        }
    }
}

/// Carries a connection across threads; it is only ever used on its own event loop.
struct BenchConnectionBox: @unchecked Sendable {
    let connection: BenchConnection
    let eventLoop: any EventLoop

    init(_ connection: BenchConnection) {
        self.connection = connection
        self.eventLoop = connection.event!
    }
}
