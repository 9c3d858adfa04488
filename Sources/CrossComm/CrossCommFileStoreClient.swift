import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SwitchboardCore

/// HTTP client for a ``CrossCommFileStore`` served by the hub (see `Protocols.md` §5.7):
/// `PUT /files/<key>` uploads, `GET /files/<key>` downloads, `GET /files/<prefix>/` lists.
/// With credentials every request carries an OSS V1 signature over `/<bucket>/<key>`, as the
/// store expects when it was given the same key pair.
struct CrossCommFileStoreClient: Sendable {
    let baseURL: String
    var credentials: CrossCommOSSCredentials? = nil
    var bucket: String = "switchboard"

    /// Adds `Date` and `Authorization` for `key` (a listing's prefix ends in `/`).
    private func sign(_ request: inout URLRequest, key: String) {
        guard let credentials else { return }
        let date = CrossCommHTTPDate.format(Date())
        request.setValue(date, forHTTPHeaderField: "Date")
        var headers = Headers([("Date", date)])
        if let type = request.value(forHTTPHeaderField: "Content-Type") { headers.append(name: "Content-Type", value: type) }
        let resource = CrossCommOSSSignature.canonicalResource(bucket: bucket, key: key)
        request.setValue(
            CrossCommOSSSignature.authorization(method: request.httpMethod ?? "GET", headers: headers, resource: resource, credentials: credentials),
            forHTTPHeaderField: "Authorization"
        )
    }

    func upload(_ file: URL, key: String, progress: (@Sendable (CrossCommTransferProgress) -> Void)?) async throws {
        let total = try Self.size(of: file)
        try await put(file, key: key) { sent in progress?(CrossCommTransferProgress(bytesTransferred: sent, totalBytes: total)) }
        progress?(CrossCommTransferProgress(bytesTransferred: total, totalBytes: total))
    }

    /// Uploads every regular file under `folder` to `prefix + relative path`; empty
    /// directories are not kept (as with pywayne's OSS folders). Progress counts all bytes.
    func uploadFolder(_ folder: URL, prefix: String, progress: (@Sendable (CrossCommTransferProgress) -> Void)?) async throws {
        let files = try Self.regularFiles(under: folder)
        let total = try files.reduce(Int64(0)) { $0 + (try Self.size(of: $1.url)) }
        var done: Int64 = 0
        for file in files {
            let before = done
            try await put(file.url, key: prefix + file.relativePath) { sent in
                progress?(CrossCommTransferProgress(bytesTransferred: before + sent, totalBytes: total))
            }
            done += try Self.size(of: file.url)
        }
        progress?(CrossCommTransferProgress(bytesTransferred: total, totalBytes: total))
    }

    func download(key: String, to destination: URL) async throws {
        guard CrossCommFileKeys.isValid(key) else {
            throw CrossCommError(code: .fileTransferFailed, message: "refusing unsafe store key \(CrossCommMessage.quoted(key))")
        }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        var request = URLRequest(url: try url(for: key))
        sign(&request, key: key)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            session.downloadTask(with: request) { temporary, response, error in
                do {
                    try Self.check(response, error, "download \(key)")
                    guard let temporary else { throw CrossCommError(code: .fileTransferFailed, message: "download \(key): no file") }
                    try? FileManager.default.removeItem(at: destination)
                    try FileManager.default.moveItem(at: temporary, to: destination)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }.resume()
        }
    }

    func downloadFolder(prefix: String, into root: URL) async throws {
        guard CrossCommFileKeys.isValid(prefix, allowTrailingSlash: true) else {
            throw CrossCommError(code: .fileTransferFailed, message: "refusing unsafe store prefix \(CrossCommMessage.quoted(prefix))")
        }
        let keys = try await list(prefix: prefix)
        for key in keys where key.hasPrefix(prefix) {
            try await download(key: key, to: root.appendingPathComponent(key))
        }
    }

    func list(prefix: String) async throws -> [String] {
        let folder = prefix.hasSuffix("/") ? prefix : prefix + "/"
        let data = try await get(try url(for: folder), key: folder)
        guard let keys = (try? JSONValue(parsing: [UInt8](data)))?["keys"]?.arrayValue else {
            throw CrossCommError(code: .fileTransferFailed, message: "the store's listing of \(prefix) is not {\"keys\": [...]}")
        }
        return keys.compactMap(\.stringValue)
    }

    // MARK: - HTTP

    private func url(for key: String) throws -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;")
        let encoded = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let url = URL(string: "\(base)/files/\(encoded)") else {
            throw CrossCommError(code: .fileTransferFailed, message: "invalid file store URL \(baseURL)")
        }
        return url
    }

    private func put(_ file: URL, key: String, sent: @escaping @Sendable (Int64) -> Void) async throws {
        var request = URLRequest(url: try url(for: key))
        request.httpMethod = "PUT"
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        sign(&request, key: key)
        let delegate = UploadProgress(sent)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            session.uploadTask(with: request, fromFile: file) { _, response, error in
                do {
                    try Self.check(response, error, "upload \(key)")
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }.resume()
        }
    }

    private func get(_ url: URL, key: String) async throws -> Data {
        var request = URLRequest(url: url)
        sign(&request, key: key)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            session.dataTask(with: request) { data, response, error in
                do {
                    try Self.check(response, error, "GET \(url.path)")
                    continuation.resume(returning: data ?? Data())
                } catch {
                    continuation.resume(throwing: error)
                }
            }.resume()
        }
    }

    private static func check(_ response: URLResponse?, _ error: (any Error)?, _ what: String) throws {
        if let error { throw CrossCommError(code: .fileTransferFailed, message: "\(what) failed", cause: error) }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw CrossCommError(code: .fileTransferFailed, message: "\(what) failed with HTTP \(status)")
        }
    }

    static func size(of file: URL) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    static func regularFiles(under folder: URL) throws -> [(url: URL, relativePath: String)] {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw CrossCommError(code: .fileNotFound, message: "cannot list \(folder.path)")
        }
        var files: [(URL, String)] = []
        while let relative = enumerator.nextObject() as? String {
            let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append((url, relative))
            }
        }
        return files.sorted { $0.1 < $1.1 }
    }
}

/// Reports upload progress from URLSession's delegate callbacks.
private final class UploadProgress: NSObject, URLSessionTaskDelegate, Sendable {
    private let sent: @Sendable (Int64) -> Void

    init(_ sent: @escaping @Sendable (Int64) -> Void) {
        self.sent = sent
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64, totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        sent(totalBytesSent)
    }
}
