public import Foundation
public import Logging
import SwitchboardCore

/// The hub's built-in file store: a directory of objects under pywayne-style keys, so files,
/// images and folders travel without a cloud account. Transport-neutral: an HTTP listener
/// (see `switchboard serve --crosscomm-files-port`) hands each request to
/// ``handle(_:body:now:)``.
///
/// It answers the OSS path-style subset that `oss2` (and so pywayne) speaks to an IP
/// endpoint — `PUT/GET/HEAD/DELETE /<bucket>/<key>`, `GET /<bucket>/?prefix=…` with a
/// `ListBucketResult` — and Switchboard's own `/files/<key>` API (`Protocols.md` §5.7). With
/// ``Configuration/credentials`` every request must carry an OSS V1 signature
/// (``CrossCommOSSSignature``); the configuration also sets the bucket, a per-object limit
/// (413), a per-client quota (413), a total quota (507) and an expiry age.
///
/// ```swift
/// let store = try CrossCommFileStore(directory: "/var/lib/switchboard/files", configuration: .init(
///     bucket: "team", credentials: CrossCommOSSCredentials(accessKeyID: "id", accessKeySecret: "secret")))
/// let response = await store.handle(CrossCommFileRequest(method: "GET", path: "/team/cross_comm%2Falice%2F1_ab.txt",
///                                                        headers: signedHeaders), body: EmptyBody())
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
        /// Further headers (`ETag`, `Last-Modified`, `x-oss-request-id`…).
        public var headers: [(name: String, value: String)] = []
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
    /// Bucket, credentials, limits and expiry.
    public let configuration: Configuration
    /// Largest object accepted.
    public var maxObjectBytes: Int64 { configuration.maxObjectBytes }
    let logger: Logger

    /// Opens (creating if needed) a store in `directory`.
    public init(directory: String, maxObjectBytes: Int64 = 4 << 30) throws {
        try self.init(directory: directory, configuration: Configuration(maxObjectBytes: maxObjectBytes))
    }

    /// Opens (creating if needed) a store in `directory` with a bucket, credentials, quotas
    /// and an expiry age (Protocols.md §5.7).
    public init(directory: String, configuration: Configuration, logger: Logger = Logger(label: "switchboard.crosscomm.files")) throws {
        root = URL(fileURLWithPath: directory).standardizedFileURL
        self.configuration = configuration
        self.logger = logger
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".incoming"), withIntermediateDirectories: true)
    }

    /// Answers one request of Switchboard's own API without credentials. `path` is the raw
    /// request path (percent-encoded).
    public func handle<Chunks: AsyncSequence>(method: String, path: String, body: Chunks) async -> Response
    where Chunks.Element == [UInt8] {
        await handle(CrossCommFileRequest(method: method, path: path), body: body)
    }

    /// Answers one request: OSS path-style (`/<bucket>/…`) or Switchboard's `/files/…`. With
    /// ``Configuration/credentials`` set, both must carry a valid OSS signature.
    public func handle<Chunks: AsyncSequence>(_ request: CrossCommFileRequest, body: Chunks, now: Date = Date()) async -> Response
    where Chunks.Element == [UInt8] {
        switch request.target {
        case .file(let key):
            return await handleFile(request, key: key, isListing: false, body: body, now: now)
        case .fileListing(let prefix):
            return await handleFile(request, key: prefix, isListing: true, body: body, now: now)
        case .object, .bucket, .unsupported:
            return await handleOSS(request, body: body, now: now)
        }
    }

    private func handleFile<Chunks: AsyncSequence>(_ request: CrossCommFileRequest, key: String, isListing: Bool, body: Chunks, now: Date) async -> Response
    where Chunks.Element == [UInt8] {
        let method = request.method
        guard CrossCommFileKeys.isValid(key, allowTrailingSlash: isListing), !key.hasPrefix(".incoming") else {
            return Self.text(400, "invalid key\n")
        }
        if let credentials = configuration.credentials {
            let resource = CrossCommOSSSignature.canonicalResource(bucket: configuration.bucket, key: key, query: request.queryItems)
            if let failure = CrossCommOSSSignature.verify(method: method, headers: request.headers, resource: resource, credentials: credentials, now: now, query: request.queryItems) {
                logger.notice("file store: unsigned or badly signed request refused", metadata: ["method": "\(method)", "reason": "\(failure)"])
                return Self.text(403, "forbidden: \(failure)\n")
            }
        }
        switch (method, isListing) {
        case ("GET", true), ("HEAD", true):
            let keys = objects(prefix: key, now: now).map { JSONValue.string($0.key) }
            let json = JSONValue.object([.init(key: "keys", value: .array(keys))])
            return Response(status: 200, contentType: "application/json", body: .bytes(json.encodedBytes(.compact)))
        case ("GET", false), ("HEAD", false):
            guard let object = object(key: key, now: now) else { return Self.text(404, "no object \(key)\n") }
            return Response(status: 200, contentType: "application/octet-stream", body: .file(object.url, size: object.size), headers: object.headers)
        case ("PUT", false), ("POST", false):
            switch await store(key: key, headers: request.headers, body: body, now: now) {
            case .success(let object):
                return Self.text(201, "stored \(object.size) bytes\n", headers: object.headers)
            case .failure(let failure):
                return Self.text(failure.status, failure.message + "\n")
            }
        default:
            return Self.text(405, "method not allowed\n")
        }
    }

    static func text(_ status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: .bytes(Array(message.utf8)), headers: headers)
    }
}
