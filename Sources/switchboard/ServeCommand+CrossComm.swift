import Logging
import SwitchboardCore

extension ServeCommand {
    /// Adapters for the CrossComm hub on --crosscomm-port and /crosscomm; routes name the adapter `crosscomm`.
    /// Empty until the protocol's adapter lands: the route then closes with 4500.
    func crossCommAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        []
    }
}
