public import Foundation
import SwitchboardCore

/// The hub's built-in file store: a directory of objects under pywayne-style keys, so files,
/// images and folders travel without a cloud account. Transport-neutral: an HTTP listener
/// (see `switchboard serve --crosscomm-files-port`) hands each request to
/// ``handle(method:path:body:)``.
///
/// HTTP API (`Protocols.md` §5.7): `PUT /files/<key>` stores the body (201);
/// `GET /files/<key>` returns it (200, 404); `GET /files/<prefix>/` lists the keys under a
/// folder prefix as `{"keys": [...]}`; invalid keys get 400, other methods 405, bodies over
/// ``maxObjectBytes`` 413.
///
/// ```swift
/// let store = try CrossCommFileStore(directory: "/var/lib/switchboard/files")
/// let response = await store.handle(method: "GET", path: "/files/cross_comm/alice/1_ab.txt", body: EmptyBody())
/// ```
public struct CrossCommFileStore: Sendable {
    /// What to answer.
    public struct Response: Sendable {
        /// The HTTP status.
        public var status: Int
        /// The `Content-Type`.
        public var contentType: String
        /// The body.
        public var body: Body
    }

    /// A response body.
    public enum Body: Sendable {
        /// Bytes in memory (listings, errors).
        case bytes([UInt8])
        /// A stored file, streamed by the HTTP layer.
        case file(URL, size: Int64)
    }

    /// The directory holding the objects.
    public let root: URL
    /// Largest object accepted.
    public let maxObjectBytes: Int64

    /// Opens (creating if needed) a store in `directory`.
    public init(directory: String, maxObjectBytes: Int64 = 4 << 30) throws {
        root = URL(fileURLWithPath: directory).standardizedFileURL
        self.maxObjectBytes = maxObjectBytes
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".incoming"), withIntermediateDirectories: true)
    }

    /// Answers one request. `path` is the raw request path (percent-encoded).
    public func handle<Chunks: AsyncSequence>(method: String, path: String, body: Chunks) async -> Response
    where Chunks.Element == [UInt8] {
        guard path.hasPrefix("/files/"), let key = String(path.dropFirst("/files/".count)).removingPercentEncoding else {
            return Self.text(404, "not found: the store serves /files/<key>\n")
        }
        let isListing = key.hasSuffix("/")
        guard CrossCommFileKeys.isValid(key, allowTrailingSlash: isListing), !key.hasPrefix(".incoming") else {
            return Self.text(400, "invalid key\n")
        }
        switch (method, isListing) {
        case ("GET", true), ("HEAD", true):
            return list(prefix: key)
        case ("GET", false), ("HEAD", false):
            let file = root.appendingPathComponent(key)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? NSNumber else {
                return Self.text(404, "no object \(key)\n")
            }
            return Response(status: 200, contentType: "application/octet-stream", body: .file(file, size: size.int64Value))
        case ("PUT", false), ("POST", false):
            return await store(key: key, body: body)
        default:
            return Self.text(405, "method not allowed\n")
        }
    }

    private func store<Chunks: AsyncSequence>(key: String, body: Chunks) async -> Response where Chunks.Element == [UInt8] {
        let incoming = root.appendingPathComponent(".incoming").appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: incoming.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: incoming) else {
            return Self.text(500, "cannot create a file in the store\n")
        }
        var written: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await chunk in body {
                written += Int64(chunk.count)
                guard written <= maxObjectBytes else {
                    try? FileManager.default.removeItem(at: incoming)
                    return Self.text(413, "object larger than \(maxObjectBytes) bytes\n")
                }
                try handle.write(contentsOf: chunk)
            }
        } catch {
            try? FileManager.default.removeItem(at: incoming)
            return Self.text(400, "upload interrupted\n")
        }
        let destination = root.appendingPathComponent(key)
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: incoming, to: destination)
        } catch {
            try? FileManager.default.removeItem(at: incoming)
            return Self.text(409, "cannot store \(key)\n")
        }
        return Self.text(201, "stored \(written) bytes\n")
    }

    private func list(prefix: String) -> Response {
        let directory = root.appendingPathComponent(prefix)
        var keys: [JSONValue] = []
        if let enumerator = FileManager.default.enumerator(atPath: directory.path) {
            while let relative = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = directory.appendingPathComponent(relative).path
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    keys.append(.string(prefix + relative))
                }
            }
        }
        let sorted = keys.sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") }
        let json = JSONValue.object([.init(key: "keys", value: .array(sorted))])
        return Response(status: 200, contentType: "application/json", body: .bytes(json.encodedBytes(.compact)))
    }

    private static func text(_ status: Int, _ message: String) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: .bytes(Array(message.utf8)))
    }
}
