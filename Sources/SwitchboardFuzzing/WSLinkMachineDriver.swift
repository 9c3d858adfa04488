import MsgPack
import SwitchboardCore
import WSLink

/// Feeds fuzz frames to the server's per-connection state machine the way
/// `WSLinkServerAdapter` does: answers token checks, stops at the first close, and checks
/// that every reply the machine produces can be put on the wire and read back unchanged.
struct WSLinkMachineDriver {
    /// Small limits so reassembly, pre-auth and attachment bounds are all reachable.
    static let configuration = WSLinkServerConfiguration(
        secret: "wslink-secret",
        maxMessageSize: 4096,
        preAuthMessageLimit: 1024,
        maxInboundMessageBytes: 1 << 16,
        reassembly: .init(maxBufferedBytes: 1 << 16, maxPartialMessages: 4, incompleteTimeout: .seconds(3))
    )

    private var machine = WSLinkServerAdapter.StateMachine(clientID: "fuzz", configuration: Self.configuration)
    private var now = ContinuousClock.now
    private(set) var closed = false

    /// Each frame advances the clock one second, so partial messages also expire.
    mutating func receive(_ frame: Frame) throws(FuzzInvariantViolation) {
        guard !closed else { return }
        now = now.advanced(by: .seconds(1))
        try perform(machine.receive(frame, at: now))
    }

    private mutating func perform(_ actions: [WSLinkServerAdapter.StateMachine.Action]) throws(FuzzInvariantViolation) {
        for action in actions {
            switch action {
            case .validate(let token):
                try perform(machine.helloValidated(token == Self.configuration.secret))
            case .reply(let envelope):
                try Self.checkReply(envelope)
            case .close:
                closed = true
                return
            case .authenticated, .dispatch, .exit, .logOnce, .subscribe, .unsubscribe:
                continue
            }
        }
    }

    /// A reply must survive both generations' encodings.
    static func checkReply(_ envelope: WSLinkEnvelope) throws(FuzzInvariantViolation) {
        try WSLinkV2Harness.checkRoundTrip(envelope)
        do {
            var key = 0
            _ = try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.serverStyle) {
                key += 1
                return key
            }
        } catch {
            throw FuzzInvariantViolation("server reply \(envelope) cannot be sent as wslink 1.x: \(error)")
        }
    }
}
