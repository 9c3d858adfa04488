import Foundation
import Logging
import SwitchboardCore
import WSLink

extension ServeCommand {
    /// The wslink adapter at --ws-endpoint on --port, serving the spec's demo protocol
    /// (`demo.add`, `demo.echo`, `demo.bytes`, `demo.fail`, `demo.start`) with --auth-key.
    ///
    /// `application.exit` / `application.exit.later` stop the whole server the way SIGTERM
    /// does: the service group's graceful shutdown closes every session with 1001.
    func wslinkAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        var configuration = WSLinkServerConfiguration(secret: authKey)
        configuration.onExitRequest = { delay in
            // Unstructured: the delay must outlive the request's connection, and the task
            // ends the process anyway (through the group's SIGTERM handler).
            Task {
                try? await Task.sleep(for: delay)
                kill(getpid(), SIGTERM)
            }
        }
        return [WSLinkServerAdapter(router: WSLinkDemoProtocol.router(), configuration: configuration, logger: logger)]
    }
}
