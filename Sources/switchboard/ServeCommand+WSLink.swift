import Logging
import SwitchboardCore

extension ServeCommand {
    /// Adapters for the wslink adapter at --ws-endpoint on --port; routes name the adapter `wslink`.
    /// Empty until the protocol's adapter lands: the route then closes with 4500.
    func wslinkAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        []
    }
}
