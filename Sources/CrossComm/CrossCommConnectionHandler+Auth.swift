import Synchronization
import CoreMetrics
import Foundation
import Logging
import SwitchboardCore

/// Token-bound logins (`Protocols.md` §5.9), in the connection handler: the hub's state machine
/// is unchanged and never sees a login that was refused here.
extension CrossCommConnectionHandler {
    /// With a verifier, checks the upgrade's bearer token (if any) as the connection opens; a
    /// refused one closes at once with 4502. Returns whether the connection goes on.
    func authenticateUpgrade(context: ConnectionContext) -> Bool {
        guard let verifier = hub.configuration.tokenVerifier, let raw = session.info.bearerToken else { return true }
        do {
            upgradeCredential = (raw, try verifier.verify(raw))
            return true
        } catch {
            refuse(reason: Self.reason(error), detail: "upgrade token not accepted", context: context)
            return false
        }
    }

    /// Hands `message` to the hub's state machine, or, with token-bound logins, refuses or drops
    /// it: nil when the message was not admitted (already answered or closed here).
    func authorizedReceive(_ message: CrossCommMessage, context: ConnectionContext) -> [CrossCommHubStateMachine.Action]? {
        let wall = Date().timeIntervalSince1970
        let id = session.id
        guard let verifier = hub.configuration.tokenVerifier else {
            return hub.mutate { $0.receive(message, on: id, wall: wall, now: .now) }
        }
        guard message.type == .login else {
            let admitted = hub.mutate { machine -> [CrossCommHubStateMachine.Action]? in
                guard machine.clientID(of: id) != nil else { return nil }
                return machine.receive(message, on: id, wall: wall, now: .now)
            }
            if admitted == nil, !loggedUnauthenticated {
                loggedUnauthenticated = true
                session.sessionLogger.notice("dropped message before a token-bound login", metadata: ["crosscomm.type": "\(message.type)"])
            }
            return admitted
        }
        // The login's own token wins over the upgrade's.
        let raw: String
        let token: VerifiedToken
        do {
            if let field = message.jsonValue?["token"]?.stringValue {
                raw = field
                token = try verifier.verify(field)
            } else if let upgradeCredential {
                (raw, token) = upgradeCredential
            } else {
                throw TokenVerificationError(code: .missing, message: "login without a token")
            }
            guard token.subject == message.from else {
                throw TokenVerificationError(code: .subjectMismatch, message: "token subject is not the client id")
            }
        } catch {
            refuse(reason: Self.reason(error), detail: "login refused", id: message.from, context: context)
            return nil
        }
        // Checked and applied under the hub's lock: two logins racing for one id cannot both pass.
        let connection = session.id
        let hub = self.hub
        let actions = hub.mutate { machine -> [CrossCommHubStateMachine.Action]? in
            let holder = machine.records.first { $0.id == message.from }?.connection
            if let holder, holder != connection, hub.credentials.withLock({ $0[holder] }) != raw { return nil }
            hub.credentials.withLock { $0[connection] = raw }
            return machine.receive(message, on: connection, wall: wall, now: .now)
        }
        if actions == nil {
            refuse(reason: "heldByAnotherCredential", detail: "login refused: the id is online under another token", id: message.from, context: context)
        }
        return actions
    }

    private func refuse(reason: String, detail: String, id: String? = nil, context: ConnectionContext) {
        var metadata: Logger.Metadata = ["auth.reason": "\(reason)", "close.code": "\(CloseCode.unauthorized)"]
        if let id { metadata["crosscomm.client_id"] = "\(CrossCommMessage.quoted(id))" }
        session.sessionLogger.notice("\(detail)", metadata: metadata)
        session.manager?.metrics.authFailures(protocol: hub.name).increment()
        context.close(code: .unauthorized, reason: "\(detail) (\(reason))")
    }

    private static func reason(_ error: any Error) -> String {
        (error as? TokenVerificationError)?.code.description ?? "unverifiable"
    }
}
