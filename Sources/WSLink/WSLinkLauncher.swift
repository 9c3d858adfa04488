public import SwitchboardCore
import Foundation
import Synchronization

/// The session-manager endpoint SmartConnect posts to (`POST /paraview/`), answered in process:
/// this server is the session, so a launch returns its own wslink URL and secret
/// (wslink.md §13). Pure: the transport hands in the method, path, body and Host header.
///
/// ```swift
/// let launcher = WSLinkLauncher(secret: "wslink-secret", endpointPath: "/ws")
/// let answer = launcher.respond(method: "POST", path: "/paraview/", body: body, host: "127.0.0.1:8080", secure: false)
/// // answer.status == 200, answer.body["sessionURL"] == "ws://127.0.0.1:8080/ws"
/// ```
public final class WSLinkLauncher: Sendable {
    /// An HTTP answer: status and a JSON body.
    public struct Answer: Sendable, Equatable {
        /// HTTP status.
        public var status: Int
        /// JSON body (`{"error": …}` on failure).
        public var body: JSONValue

        /// Creates an answer.
        public init(status: Int, body: JSONValue) {
            self.status = status
            self.body = body
        }
    }

    /// Largest request body accepted; SmartConnect configs are a few hundred bytes.
    public static let maxBodySize = 64 << 10
    /// Launch records kept for `GET`/`DELETE <endpoint>/<id>`.
    public static let maxRecords = 1024

    private let secret: String
    private let endpointPath: String
    private let isAccepting: @Sendable () -> Bool
    private let records = Mutex<[(id: String, record: JSONValue)]>([])

    /// Creates a launcher answering with `endpointPath` (e.g. `/ws`) on the requested host.
    /// `isAccepting` returning false answers 503 (e.g. while the server shuts down).
    public init(secret: String, endpointPath: String, isAccepting: @escaping @Sendable () -> Bool = { true }) {
        self.secret = secret
        self.endpointPath = endpointPath.hasPrefix("/") ? endpointPath : "/" + endpointPath
        self.isAccepting = isAccepting
    }

    /// Answers one request to the launcher endpoint. `path` is the full request path
    /// (`/paraview/` or `/paraview/<id>`), `host` the request's Host header.
    public func respond(method: String, path: String, body: [UInt8], host: String?, secure: Bool) -> Answer {
        let id = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        switch (method.uppercased(), id) {
        case ("POST", nil):
            return launch(body: body, host: host, secure: secure)
        case ("GET", let id?):
            if let record = records.withLock({ $0.first { $0.id == id }?.record }) { return Answer(status: 200, body: record) }
            return Self.error(404, "No session with id: \(id)")
        case ("DELETE", let id?):
            let removed = records.withLock { records in
                guard let index = records.firstIndex(where: { $0.id == id }) else { return false }
                records.remove(at: index)
                return true
            }
            return removed ? Answer(status: 200, body: .object([.init(key: "id", value: .string(id))]))
                : Self.error(404, "No session with id: \(id)")
        default:
            return Self.error(405, "Use POST to start a session")
        }
    }

    private func launch(body: [UInt8], host: String?, secure: Bool) -> Answer {
        guard body.count <= Self.maxBodySize,
            let config = try? JSONValue(parsing: body),
            let members = config.objectValue,
            members.contains(where: { $0.key == "application" })
        else {
            return Self.error(400, "The request is not complete")
        }
        guard isAccepting() else { return Self.error(503, "All the resources are currently taken") }
        let id = UUID().uuidString.lowercased()
        let url = (secure ? "wss://" : "ws://") + (host?.isEmpty == false ? host! : "localhost") + endpointPath
        // Configured fields first, then what the launcher decides, sorted like the Python launcher's reply.
        var reply = members.filter { !["id", "sessionURL", "secret", "headers"].contains($0.key) }
        reply += [.init(key: "id", value: .string(id)), .init(key: "secret", value: .string(secret)),
                  .init(key: "sessionURL", value: .string(url))]
        reply.sort { $0.key < $1.key }
        let record = JSONValue.object(reply)
        records.withLock { records in
            records.append((id, record))
            if records.count > Self.maxRecords { records.removeFirst(records.count - Self.maxRecords) }
        }
        return Answer(status: 200, body: record)
    }

    private static func error(_ status: Int, _ text: String) -> Answer {
        Answer(status: status, body: .object([.init(key: "error", value: .string(text))]))
    }
}
