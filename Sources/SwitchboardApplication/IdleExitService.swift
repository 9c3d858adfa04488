import Logging
import ServiceLifecycle
import SwitchboardCore

/// Ends the server after a stretch with no sessions (`--timeout`), like wslink's timeout: a
/// launcher-started server does not outlive its users. Returning makes the service group shut
/// down gracefully.
struct IdleExitService: Service {
    let sessions: SessionManager
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        // Checking once a second (or faster for short timeouts) costs nothing and keeps the
        // exit within a second of the deadline.
        let tick = min(timeout, .seconds(1))
        var idleSince = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            let now = ContinuousClock.now
            if sessions.count > 0 {
                idleSince = now
            } else if now - idleSince >= timeout {
                logger.info("no sessions for \(timeout); shutting down")
                return
            }
        }
    }
}
