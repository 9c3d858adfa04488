import Logging
import ServiceLifecycle
import SwitchboardWebSocket
import UnixSignals

/// Reloads the transport's TLS certificates each time the process receives `signal` (SIGHUP in
/// `switchboard serve`), until graceful shutdown. Open connections are untouched; a reload
/// that fails is logged once by the transport and keeps the previous certificate.
struct TLSReloadService: Service {
    let transport: WebSocketServerTransport
    let signal: UnixSignal
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: signal)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("reloading TLS certificates", metadata: ["signal": "\(signal)"])
            transport.reloadTLSCertificates()
        }
    }
}
