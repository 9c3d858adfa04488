import Foundation
import Logging
import ServiceLifecycle
import SwitchboardApplication
import SwitchboardCore
import SwitchboardWebSocket
import WSLink

extension ServeCommand {
    /// The wslink protocol at --ws-endpoint on --port, serving the spec's demo protocol
    /// (`demo.add`, `demo.echo`, `demo.bytes`, `demo.fail`, `demo.start`) with --auth-key.
    ///
    /// `application.exit` / `application.exit.later` stop the whole server the way SIGTERM
    /// does: the service group's graceful shutdown closes every session with 1001.
    func wslinkOptions() -> SwitchboardApplication.WSLinkOptions {
        var configuration = WSLinkServerConfiguration(secret: authKey)
        configuration.onExitRequest = { delay in
            // Unstructured: the delay must outlive the request's connection, and the task
            // ends the process anyway (through the group's SIGTERM handler).
            Task {
                try? await Task.sleep(for: delay)
                kill(getpid(), SIGTERM)
            }
        }
        return .init(router: WSLinkDemoProtocol.router(), path: wsEndpointPath, configuration: configuration)
    }

    /// SmartConnect's session manager at `/paraview/` on the main port, answered in process
    /// (this server is the session): `{id, secret, sessionURL}`, 400 for an incomplete
    /// request, 503 while shutting down. Only pages the WebSocket routes' origin policy allows
    /// (and clients without `Origin`) get an answer; other origins get 403 and no secret.
    /// `--cors-origin` adds CORS headers for the origins it lists.
    func wslinkLauncherEndpoint(secure: Bool) -> HTTPEndpoint {
        let launcher = WSLinkLauncher(secret: authKey, endpointPath: wsEndpointPath) { !Task.isShuttingDownGracefully }
        let cors = hardening.corsOrigins.isEmpty ? nil : CORSPolicy.launcher(origins: hardening.corsOrigins)
        return HTTPEndpoint(pathPrefix: "/paraview", cors: cors, originPolicy: hardening.originPolicy) { request in
            var body: [UInt8] = []
            do {
                for try await chunk in request.body {
                    body += chunk
                    if body.count > WSLinkLauncher.maxBodySize { break }
                }
            } catch {
                body = []
            }
            let answer = launcher.respond(method: request.method, path: request.path, body: body, host: request.headers["host"], secure: secure)
            return HTTPEndpointResponse(status: answer.status, contentType: "application/json", body: .bytes(answer.body.encodedBytes(.python)))
        }
    }
}
