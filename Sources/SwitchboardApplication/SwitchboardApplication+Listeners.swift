import CrossComm
import Foundation
import Prometheus
import SwitchboardCore
import SwitchboardWebSocket

extension SwitchboardApplication {
    /// The transport's listeners: `main` (wslink, static files, echo, `/crosscomm`, `/siyi`,
    /// metrics and extra endpoints), then the hub's, its file store's and siyi's own ports,
    /// then the configuration's extra listeners.
    static func transportConfiguration(_ configuration: Configuration, sessions: SessionManager) throws -> WebSocketServerTransport.Configuration {
        let host = configuration.host
        let tls = configuration.tls
        var listeners: [WebSocketListener] = []
        if let port = configuration.port {
            var routes: [WebSocketRoute] = []
            if let wslink = configuration.wslink { routes.append(WebSocketRoute(normalized(wslink.path), adapter: "wslink")) }
            if let echo = configuration.echoPath { routes.append(WebSocketRoute(normalized(echo), adapter: "echo")) }
            if let path = configuration.crossComm?.mainPath { routes.append(WebSocketRoute(normalized(path), adapter: "crosscomm")) }
            if let path = configuration.siyi?.mainPath { routes.append(WebSocketRoute(normalized(path), adapter: "siyi")) }
            var endpoints = configuration.httpEndpoints
            if let registry = configuration.metrics { endpoints.append(metricsEndpoint(registry)) }
            listeners.append(WebSocketListener(
                name: "main",
                host: host,
                port: port,
                routes: routes + configuration.routes,
                contentDirectory: configuration.staticFiles,
                tls: tls,
                httpEndpoints: endpoints
            ))
        } else if configuration.metrics != nil || configuration.echoPath != nil || !configuration.httpEndpoints.isEmpty || !configuration.routes.isEmpty {
            throw SwitchboardError(code: .invalidConfiguration, message: "metrics, echo, extra endpoints and routes are served on the main listener, which is off")
        }
        if let crossComm = configuration.crossComm {
            if let port = crossComm.port {
                listeners.append(WebSocketListener(name: "crosscomm", host: host, port: port, routes: [WebSocketRoute("*", adapter: "crosscomm")], tls: tls))
            }
            if let port = crossComm.filesPort {
                let directory = crossComm.filesDirectory
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-crosscomm-files").path
                listeners.append(try crossCommFileStoreListener(
                    directory: directory, configuration: crossComm.files, host: host, port: port, tls: tls,
                    cors: configuration.corsOrigins.isEmpty ? nil : .fileStore(origins: configuration.corsOrigins)
                ))
            }
        }
        if let port = configuration.siyi?.port {
            listeners.append(WebSocketListener(name: "siyi", host: host, port: port, routes: [WebSocketRoute("*", adapter: "siyi")], tls: tls))
        }
        var transport = WebSocketServerTransport.Configuration(
            listeners: listeners + configuration.listeners,
            maxMessageSize: configuration.maxMessageSize,
            compression: configuration.compression,
            ping: configuration.ping
        )
        if let limiter = configuration.limiter { transport.limiter = limiter }
        if let policy = configuration.originPolicy {
            for index in transport.listeners.indices { transport.listeners[index].originPolicy = policy }
        }
        return transport
    }

    /// `/ws`, `ws/` → `/ws`.
    static func normalized(_ path: String) -> String {
        "/" + path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// The HTTP listener of the hub's file store (`/files/<key>` and the OSS path-style
    /// `/<bucket>/<key>`, Protocols.md §5.7).
    static func crossCommFileStoreListener(
        directory: String,
        configuration: CrossCommFileStore.Configuration = .init(),
        host: String,
        port: Int,
        tls: TLSFiles?,
        cors: CORSPolicy? = nil
    ) throws -> WebSocketListener {
        let store: CrossCommFileStore
        do {
            store = try CrossCommFileStore(directory: directory, configuration: configuration)
        } catch {
            throw SwitchboardError(code: .invalidConfiguration, message: "cannot use \(directory) for the CrossComm file store", cause: error)
        }
        var endpoint = crossCommFileStoreEndpoint(store)
        endpoint.cors = cors
        return WebSocketListener(name: "crosscomm-files", host: host, port: port, routes: [], tls: tls, httpEndpoints: [endpoint])
    }

    /// Every path of a listener answered by `store`: its request and answer mapped to HTTP.
    static func crossCommFileStoreEndpoint(_ store: CrossCommFileStore) -> HTTPEndpoint {
        HTTPEndpoint(pathPrefix: "/") { request in
            let answer = await store.handle(
                CrossCommFileRequest(method: request.method, path: request.path, query: request.query, headers: request.headers),
                body: request.body
            )
            switch answer.body {
            case .bytes(let bytes):
                return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .bytes(bytes), headers: answer.headers)
            case .file(let url, let size):
                return HTTPEndpointResponse(status: answer.status, contentType: answer.contentType, body: .file(path: url.path, size: size), headers: answer.headers)
            }
        }
    }
}
