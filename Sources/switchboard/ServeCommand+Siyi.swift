import Logging
import Siyi
import SwitchboardCore

extension ServeCommand {
    /// The siyi demo server (the original README's) on --siyi-port and /siyi, with
    /// `--siyi-handshake-timeout`.
    func siyiServer(logger: Logger) -> SiyiServer {
        SiyiServer.readmeDemo(configuration: siyiServerConfiguration, logger: logger)
    }
}
