import DequeModule
import Foundation
import Logging
import SwitchboardCore
import Synchronization

/// One CrossComm connection on its event loop: decodes messages, routes them through the
/// hub's state machine, answers on this connection, and closes it when it falls silent past
/// the heartbeat deadline (one timer, moved only when it fires).
///
/// Server-side listeners are user code: when some match, they run as async work, one message
/// at a time; messages arriving meanwhile wait here and the connection stops reading, as the
/// sender's own task would have waited before.
final class CrossCommConnectionHandler: ConnectionHandler {
    let hub: CrossCommHub
    let session: Session
    private var monitor: HeartbeatMonitor
    /// Until the first successful login (``CrossCommHub/Configuration/loginTimeout``).
    private var login: HandshakeDeadline
    /// Messages held while listeners run (nil: none running).
    private var heldForListeners: Deque<Frame>?
    /// The upgrade's bearer token once verified, with token-bound logins (§5.9).
    var upgradeCredential: (raw: String, token: VerifiedToken)?
    /// Whether a message before the login was already logged as dropped (once per connection).
    var loggedUnauthenticated = false

    init(hub: CrossCommHub, session: Session) {
        self.hub = hub
        self.session = session
        self.monitor = HeartbeatMonitor(policy: hub.configuration.heartbeat, sendsHeartbeats: false, now: .now)
        self.login = HandshakeDeadline(timeout: hub.configuration.loginTimeout, openedAt: .now)
    }

    func opened(context: ConnectionContext) {
        guard authenticateUpgrade(context: context) else { return }
        scheduleLivenessCheck(context: context)
    }

    func timerFired(context: ConnectionContext) {
        if login.isExpired(at: .now) {
            let timeout = login.timeout.map { "\($0)" } ?? "-"
            session.sessionLogger.notice("closing: no login in time", metadata: ["crosscomm.login_timeout": "\(timeout)"])
            context.close(code: .policyViolation, reason: "no login within \(timeout)")
            return
        }
        switch monitor.tick(now: .now) {
        case .wait, .sendHeartbeat:
            scheduleLivenessCheck(context: context)
        case .expired:
            session.sessionLogger.info("closing: heartbeat timeout")
            hub.execute(hub.mutate { $0.heartbeatExpired(session.id, now: .now) }, origin: session)
        }
    }

    func received(_ frame: Frame, context: ConnectionContext) {
        monitor.peerWasHeard(at: .now)
        if heldForListeners != nil {
            heldForListeners?.append(frame)
            return
        }
        handle(frame, context: context)
    }

    func closed(context: ConnectionContext) {
        if hub.configuration.tokenVerifier != nil { _ = hub.credentials.withLock { $0.removeValue(forKey: session.id) } }
        hub.execute(hub.mutate { $0.connectionClosed(session.id, now: .now) }, origin: session)
    }

    private func scheduleLivenessCheck(context: ConnectionContext) {
        let heartbeat: ContinuousClock.Instant? = if case .wait(let deadline) = monitor.tick(now: .now) { deadline } else { nil }
        if let next = login.earliest(heartbeat) { context.setTimer(at: next) }
    }

    private func handle(_ frame: Frame, context: ConnectionContext) {
        let configuration = hub.configuration
        let message: CrossCommMessage
        do {
            message = try CrossCommMessage(decoding: frame, maxBytes: configuration.maxMessageBytes)
        } catch where error.code == .messageTooLarge {
            hub.state.withLock { $0.recordOversized() }
            session.sessionLogger.notice("closing: message too large", metadata: ["message.bytes": "\(frame.byteCount)"])
            // Offline before the close frame leaves: a peer that sees the 1009 and then asks for
            // the client list must not find the closed client still online.
            hub.execute(hub.mutate { $0.connectionClosed(session.id, now: .now) }, origin: session)
            context.close(code: .messageTooBig, reason: "frame exceeds limit of \(configuration.maxMessageBytes) bytes")
            return
        } catch {
            hub.state.withLock { $0.recordInvalid() }
            session.sessionLogger.notice("dropped invalid message", metadata: ["error": "\(error)"])
            return
        }
        guard let actions = authorizedReceive(message, context: context) else { return }
        var listened: CrossCommMessage?
        // In order: a login's reply must precede the offline messages queued behind it.
        for action in actions {
            switch action {
            case .reply(let reply):
                if reply.type == .loginResponse {
                    session.manager?.setIdentity(reply.to, of: session)
                    login.satisfy()
                }
                context.write(reply.frame)
            case .notifyListeners(let message):
                listened = message
            default:
                hub.execute([action], origin: session)
            }
        }
        if let listened, hub.hasListeners { notifyListeners(listened, context: context) }
    }

    private func notifyListeners(_ message: CrossCommMessage, context: ConnectionContext) {
        let matching = hub.listeners(for: message)
        guard !matching.isEmpty else { return }
        heldForListeners = []
        context.pauseInput()
        context.run({
            for listener in matching { await listener(message) }
        }) { _, context in
            let held = self.heldForListeners ?? []
            self.heldForListeners = nil
            context.resumeInput()
            for frame in held where !context.isClosing {
                self.received(frame, context: context)
            }
        }
    }
}
