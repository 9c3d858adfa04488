import Logging
import SwitchboardCore

extension ServeCommand {
    /// Adapters for the siyi demo server (the original README's) on --siyi-port and /siyi; routes name the adapter `siyi`.
    /// Empty until the protocol's adapter lands: the route then closes with 4500.
    func siyiAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        []
    }
}
