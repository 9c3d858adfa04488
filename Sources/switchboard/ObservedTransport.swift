import SwitchboardCore
import Synchronization

/// A ``ClientTransport`` that remembers how its connections went: the error of an attempt that
/// never opened, and the close code and reason of one that ended. The protocol clients report
/// both as a generic "connection closed"; the CLI uses this to say what actually happened
/// ("cannot connect to URL: …", "URL closed the connection with 4501 (…)").
///
/// ```swift
/// let transport = ObservedTransport(base: WebSocketClientTransport(configuration: .init(url: url), logger: logger), url: url)
/// transport.onClose { inbox.finish() }
/// ```
struct ObservedTransport<Base: ClientTransport>: ClientTransport {
    /// What happened to the connections so far. Lock: `state`.
    final class Record: Sendable {
        struct State {
            var opened = false
            var connectFailure: String?
            var closeCode: CloseCode?
            var closeReason: String?
            var ended = false
            var onClose: [@Sendable () -> Void] = []
        }

        let state = Mutex(State())
    }

    let base: Base
    /// The URL, for messages.
    let url: String
    let record = Record()

    /// Wraps `base`.
    init(base: Base, url: String) {
        self.base = base
        self.url = url
    }

    /// Calls `action` once a connection has ended or failed to open (at once if one already has).
    func onClose(_ action: @escaping @Sendable () -> Void) {
        let ended = record.state.withLock { state in
            if !state.ended { state.onClose.append(action) }
            return state.ended
        }
        if ended { action() }
    }

    /// Why the connection could not be used, in words, when the transport knows: the error of an
    /// attempt that never opened, or the close code the server ended the connection with.
    var explanation: String? {
        record.state.withLock { state in
            if !state.opened, let failure = state.connectFailure {
                return "cannot connect to \(url): \(failure)"
            }
            if let code = state.closeCode {
                let reason = state.closeReason.flatMap { $0.isEmpty ? nil : " (\($0))" } ?? ""
                return "\(url) closed the connection with \(code.rawValue)\(reason)"
            }
            return nil
        }
    }

    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        let record = self.record
        do {
            let outcome = try await base.withConnection { connection in
                record.state.withLock { $0.opened = true }
                return try await body(connection)
            }
            ended { state in
                state.closeCode = outcome.closeCode
                state.closeReason = outcome.closeReason
            }
            return outcome
        } catch {
            let description = Self.describe(error)
            ended { state in
                if !state.opened { state.connectFailure = description }
            }
            throw error
        }
    }

    private func ended(_ update: (inout Record.State) -> Void) {
        let actions = record.state.withLock { state in
            update(&state)
            state.ended = true
            defer { state.onClose.removeAll() }
            return state.onClose
        }
        actions.forEach { $0() }
    }

    /// The innermost useful description of a connection error (SwitchboardError wraps the cause).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? SwitchboardError, let cause = error.cause {
            return "\(cause)"
        }
        return "\(error)"
    }
}
