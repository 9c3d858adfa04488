import Logging
import Siyi
import SwitchboardCore

extension ServeCommand {
    /// The siyi demo server (the original README's) on --siyi-port and /siyi.
    func siyiServer(logger: Logger) -> SiyiServer {
        SiyiServer.readmeDemo(logger: logger)
    }
}
