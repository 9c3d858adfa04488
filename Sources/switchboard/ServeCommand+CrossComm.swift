import CrossComm
import Foundation
import Logging
import SwitchboardCore
import SwitchboardWebSocket

extension ServeCommand {
    /// Adapters for the CrossComm hub on --crosscomm-port and /crosscomm; routes name the adapter `crosscomm`.
    func crossCommAdapters(sessions: SessionManager, logger: Logger) -> [any ProtocolAdapter] {
        [CrossCommHub(name: "crosscomm", configuration: crossCommHubConfiguration, logger: logger)]
    }

    /// The HTTP listener of the hub's file store (`/files/<key>`, Protocols.md §5.7), for a
    /// `--crosscomm-files DIR` / `--crosscomm-files-port N` pair of options in `ServeCommand`.
    func crossCommFileStoreListener(directory: String, host: String, port: Int, tls: TLSFiles?) throws -> WebSocketListener {
        let store = try CrossCommFileStore(directory: directory)
        let endpoint = HTTPEndpoint(pathPrefix: "/files") { request in
            let answer = await store.handle(method: request.method, path: request.path, body: request.body)
            switch answer.body {
            case .bytes(let bytes):
                return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .bytes(bytes))
            case .file(let url, let size):
                return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .file(path: url.path, size: size))
            }
        }
        return WebSocketListener(name: "crosscomm-files", host: host, port: port, routes: [], tls: tls, httpEndpoints: [endpoint])
    }
}
