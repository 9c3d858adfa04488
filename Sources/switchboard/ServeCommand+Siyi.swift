import Logging
import Siyi
import SwitchboardCore

extension ServeCommand {
    /// Adapters for the siyi demo server (the original README's) on --siyi-port and /siyi; routes name the adapter `siyi`.
    func siyiAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        [SiyiServer.readmeDemo(configuration: siyiServerConfiguration, logger: logger)]
    }
}
