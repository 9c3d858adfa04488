import CrossComm
import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardWebSocket
import Synchronization

/// Runs a real WebSocket server with a CrossComm hub on 127.0.0.1 port 0 for the duration of
/// `body` (pattern of SwitchboardWebSocketTests' TestServer), then shuts it down gracefully.
struct TestServer {
    let transport: WebSocketServerTransport
    let server: SwitchboardServer<WebSocketServerTransport>
    let hub: CrossCommHub
    let listeners: [BoundListener]

    var url: String { listeners[0].webSocketURL(path: "/") }
    var fileStoreURL: String? { listeners.count > 1 ? listeners[1].httpURL(path: "/").dropLastSlash : nil }
    var sessions: SessionManager { server.sessions }

    static let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func with<R: Sendable>(
        hub configuration: CrossCommHub.Configuration = .default,
        fileStore: CrossCommFileStore? = nil,
        maxMessageSize: Int = 16 << 20,
        _ body: @escaping @Sendable (TestServer) async throws -> R
    ) async throws -> R {
        var listeners = [WebSocketListener(name: "crosscomm", port: 0, routes: [WebSocketRoute("*", adapter: "crosscomm")])]
        if let fileStore {
            let endpoint = HTTPEndpoint(pathPrefix: "/") { request in
                let answer = await fileStore.handle(
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
            listeners.append(WebSocketListener(name: "files", port: 0, routes: [], httpEndpoints: [endpoint]))
        }
        let transport = WebSocketServerTransport(
            configuration: .init(listeners: listeners, maxMessageSize: maxMessageSize, ping: nil, closeTimeout: .seconds(2), shutdownDrainTimeout: .seconds(2)),
            logger: quietLogger
        )
        let hub = CrossCommHub(configuration: configuration, logger: quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: [hub], logger: quietLogger)
        let group = ServiceGroup(services: [server], logger: quietLogger)
        // The group runs in its own task so the test can bound its shutdown with a timeout.
        let running = Task { try await group.run() }
        do {
            let bound = try await withTimeout(.seconds(10), "server start") { try await transport.boundListeners() }
            let result = try await body(TestServer(transport: transport, server: server, hub: hub, listeners: bound))
            await group.triggerGracefulShutdown()
            try await withTimeout(.seconds(10), "server shutdown") { try await running.value }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            running.cancel()
            throw error
        }
    }

    func clientTransport(maxMessageSize: Int = 16 << 20) -> WebSocketClientTransport {
        WebSocketClientTransport(
            configuration: .init(url: url, maxMessageSize: maxMessageSize, closeTimeout: .seconds(2)),
            logger: Self.quietLogger
        )
    }

    func client(_ id: String, reconnect: ReconnectPolicy = .never, fileStore: Bool = false,
                credentials: CrossCommOSSCredentials? = nil, bucket: String = "switchboard") -> CrossCommClient {
        var configuration = CrossCommClient.Configuration(clientID: id, reconnect: reconnect, fileStoreURL: fileStore ? fileStoreURL : nil)
        configuration.fileStoreCredentials = credentials
        configuration.fileStoreBucket = bucket
        return CrossCommClient(transport: clientTransport(), configuration: configuration, logger: Self.quietLogger)
    }
}

extension String {
    var dropLastSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}

/// Collects values from concurrent callbacks for later assertions.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
}
