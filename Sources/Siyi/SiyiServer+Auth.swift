import CoreMetrics
import Logging
import SwitchboardCore

extension SiyiServer {
    /// With a ``Configuration/tokenVerifier``, checks the upgrade's bearer token before the
    /// connection becomes a peer: a missing or refused token closes it with 4502 (logged once,
    /// counted) and returns the handler that serves the closing connection; nil lets it in.
    func refuseUnauthenticated(_ session: Session) -> (any ConnectionHandler)? {
        guard let verifier = configuration.tokenVerifier else { return nil }
        let reason: String
        if let token = session.info.bearerToken {
            do {
                _ = try verifier.verify(token)
                return nil
            } catch {
                reason = (error as? TokenVerificationError)?.code.description ?? "unverifiable"
            }
        } else {
            reason = TokenVerificationError.Code.missing.description
        }
        session.sessionLogger.notice("siyi connection refused: token not accepted", metadata: [
            "auth.reason": "\(reason)", "close.code": "\(CloseCode.unauthorized)",
        ])
        session.manager?.metrics.authFailures(protocol: name).increment()
        session.close(code: .unauthorized, reason: "token not accepted (\(reason))")
        return RefusedConnection()
    }

    /// A connection closing for want of a token: nothing it sends is read.
    private final class RefusedConnection: ConnectionHandler {
        func received(_ frame: Frame, context: ConnectionContext) {}
    }
}
