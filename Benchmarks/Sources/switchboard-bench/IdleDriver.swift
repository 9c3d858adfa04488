import NIOCore

/// `idle-sessions`: each connection completes its handshake (the wslink hello, or none for a
/// raw WebSocket URL) and then stays idle, answering the server's pings. The runner reads the
/// server's memory once all are open.
final class IdleDriver: ScenarioDriver {
    private var wire = WSLinkWire()
    private let secret: String?
    private let openedAt = monotonicNanoseconds()

    /// `secret` nil: no protocol handshake.
    init(secret: String?) { self.secret = secret }

    func connected(_ connection: BenchConnection) {
        guard let secret else { return done(connection) }
        wire.sendHello(secret: secret, on: connection)
    }

    func begin(_ connection: BenchConnection) {}

    func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        guard secret != nil, let envelope = wire.receive(payload, binary: binary, on: connection) else { return }
        if wire.acceptHello(envelope, on: connection) { done(connection) }
    }

    private func done(_ connection: BenchConnection) {
        connection.stats.recordSetup(latency: monotonicNanoseconds() - openedAt)
        connection.ready()
    }
}
