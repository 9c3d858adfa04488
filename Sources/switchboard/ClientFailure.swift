import ArgumentParser
import CrossComm
import Siyi
import SwitchboardCore
import WSLink

/// Why a client command did not succeed, and the exit status that says so.
///
/// Exit status: 0 success; 1 failure (cannot connect, refused, an error answer, the connection
/// closed); 124 `--timeout` passed (as `timeout(1)` reports it); 64 bad usage (ArgumentParser).
struct ClientFailure: Error, CustomStringConvertible {
    /// The exit status of a command whose `--timeout` passed.
    static let timeoutStatus = ExitCode(124)

    /// What to print on stderr.
    var message: String
    /// Whether `--timeout` passed.
    var timedOut: Bool

    /// A failure with `message`.
    init(_ message: String, timedOut: Bool = false) {
        self.message = message
        self.timedOut = timedOut
    }

    /// The failure `error` stands for. `explanation` is what the transport knows (a refused
    /// connection, a close code); it replaces the clients' generic "connection closed" but
    /// never an answer from the server.
    init(classifying error: any Error, explanation: String?) {
        if let failure = error as? ClientFailure {
            self = failure
            return
        }
        let timedOut = Self.isTimeout(error)
        if Self.isAnswer(error) || timedOut {
            self.init("\(error)", timedOut: timedOut)
        } else {
            self.init(explanation ?? "\(error)")
        }
    }

    /// The message.
    var description: String { message }

    /// The exit status.
    var exitCode: ExitCode { timedOut ? Self.timeoutStatus : .failure }

    /// Runs a command's body; a failure is printed on stderr and becomes the exit status.
    static func reporting(explanation: () -> String?, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            let failure = ClientFailure(classifying: error, explanation: explanation())
            ClientOutput.note(failure.message)
            throw failure.exitCode
        }
    }

    private static func isTimeout(_ error: any Error) -> Bool {
        switch error {
        case let error as SwitchboardError: error.code == .timeout
        case let error as WSLinkError: error.code == .timeout
        case let error as SiyiError: error.code == .timeout
        case let error as CrossCommError: error.code == .loginTimeout || error.code == .requestTimeout
        default: false
        }
    }

    /// Errors that carry the server's own answer (an RPC error, a siyi error response).
    private static func isAnswer(_ error: any Error) -> Bool {
        switch error {
        case let error as WSLinkError: error.code == .remote || error.code == .authenticationFailed
        case let error as SiyiError: error.code == .errorResponse
        default: false
        }
    }
}
