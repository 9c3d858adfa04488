import DequeModule
import SwitchboardCore
import Synchronization

/// Where a siyi channel writes: the server side goes through its ``Session`` (bounded queue,
/// shared with broadcasts); the client side writes to its connection one frame at a time.
enum SiyiOutbound: Sendable {
    case session(Session)
    case connection(SerialFrameWriter)

    /// Sends a frame, waiting for queue space (server) or for earlier writes (client).
    func send(_ frame: Frame) async throws {
        switch self {
        case .session(let session): try await session.send(frame)
        case .connection(let writer): try await writer.write(frame)
        }
    }

    /// Closes the connection (the server flushes what is queued first).
    func close(code: CloseCode, reason: String) async {
        switch self {
        case .session(let session): session.close(code: code, reason: reason)
        case .connection(let writer): await writer.close(code: code, reason: reason)
        }
    }
}

/// Serializes writes to a ``FrameWriter`` so concurrent handlers never interleave calls into
/// the transport: one write at a time, in arrival order.
final class SerialFrameWriter: Sendable {
    private struct State {
        var busy = false
        var waiting: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let writer: any FrameWriter
    private let state = Mutex(State())

    init(_ writer: any FrameWriter) {
        self.writer = writer
    }

    func write(_ frame: Frame) async throws {
        await acquire()
        defer { release() }
        try await writer.write(frame)
    }

    func close(code: CloseCode, reason: String) async {
        await writer.close(code: code, reason: reason)
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let mayGo = state.withLock { state in
                if state.busy {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if mayGo { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
