import Foundation
import ServiceLifecycle
import SwitchboardWebSocket

/// Prints one line per listener once every port is bound, then the ready line — the lines
/// scripts and launchers wait for:
///
/// ```
/// wslink listening on ws://127.0.0.1:8080/ws
/// crosscomm listening on ws://127.0.0.1:9898/
/// crosscomm files served on http://127.0.0.1:9899/files/
/// siyi listening on ws://127.0.0.1:8765/
/// wslink: Starting factory
/// ```
struct ListenerAnnouncer: Service {
    let transport: WebSocketServerTransport
    /// The wslink adapter's name: the only route of the main listener announced.
    let wslinkAdapter: String?
    let readyLine: String?

    func run() async throws {
        let lines = Self.lines(for: try await transport.boundListeners(), wslinkAdapter: wslinkAdapter, readyLine: readyLine)
        // Unbuffered: scripts read these lines from a pipe to learn the ports.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func lines(for listeners: [BoundListener], wslinkAdapter: String?, readyLine: String?) -> [String] {
        var lines: [String] = []
        for listener in listeners {
            for route in listener.routes where route.adapter != "echo" {
                let path = route.matchesAnyPath ? "/" : route.pathPattern
                if listener.name == "main" && route.adapter != wslinkAdapter { continue }
                lines.append("\(route.adapter) listening on \(listener.webSocketURL(path: path))")
            }
            if listener.servesContent {
                lines.append("content served on \(listener.httpURL(path: "/"))")
            }
            if listener.name == "crosscomm-files" {
                lines.append("crosscomm files served on \(listener.httpURL(path: "/files/"))")
            }
        }
        if let readyLine, !readyLine.isEmpty { lines.append(readyLine) }
        return lines
    }
}
