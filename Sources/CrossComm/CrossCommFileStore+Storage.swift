import Crypto
import Foundation
import Logging
import SwitchboardCore

extension CrossCommFileStore {
    /// A stored object as the store sees it on disk.
    struct StoredObject: Sendable {
        var key: String
        var url: URL
        var size: Int64
        var modified: Date

        /// `"<size hex>-<mtime µs hex>"`, upper case: changes whenever the object is replaced.
        var etag: String {
            "\"\(String(size, radix: 16, uppercase: true))-\(String(Int64(modified.timeIntervalSince1970 * 1_000_000), radix: 16, uppercase: true))\""
        }

        var headers: [(name: String, value: String)] {
            [("ETag", etag), ("Last-Modified", CrossCommHTTPDate.format(modified)), ("x-oss-object-type", "Normal")]
        }
    }

    /// Why an upload was refused.
    struct StoreFailure: Error, Sendable {
        var status: Int
        var code: String
        var message: String
    }

    /// The client a key belongs to, for the per-client quota: the segment after `cross_comm/`
    /// in pywayne's layout (`cross_comm/{client}/…`), else the key's first segment.
    public static func client(of key: String) -> String {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        if segments.count > 2, segments[0] == "cross_comm" { return String(segments[1]) }
        return String(segments.first ?? "")
    }

    func isExpired(_ modified: Date, now: Date) -> Bool {
        guard let maxAge = configuration.maxAge else { return false }
        return now.timeIntervalSince(modified) > maxAge
    }

    /// The object under `key`, or `nil` (an expired one is deleted).
    func object(key: String, now: Date) -> StoredObject? {
        let url = root.appendingPathComponent(key)
        guard let object = Self.stat(url, key: key) else { return nil }
        if isExpired(object.modified, now: now) {
            try? FileManager.default.removeItem(at: url)
            logger.debug("file store: expired object removed", metadata: ["key": "\(key)"])
            return nil
        }
        return object
    }

    /// Every live object whose key starts with `prefix` (any string), sorted by key bytes;
    /// expired ones met on the way are deleted.
    func objects(prefix: String, now: Date) -> [StoredObject] {
        let base = prefix.lastIndex(of: "/").map { String(prefix[...$0]) } ?? ""
        guard base.isEmpty || CrossCommFileKeys.isValid(base, allowTrailingSlash: true) else { return [] }
        let directory = base.isEmpty ? root : root.appendingPathComponent(base)
        var found: [StoredObject] = []
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            let key = base + relative
            if base.isEmpty, key == ".incoming" || key.hasPrefix(".incoming/") {
                enumerator.skipDescendants()
                continue
            }
            guard key.hasPrefix(prefix), let object = Self.stat(directory.appendingPathComponent(relative), key: key) else { continue }
            if isExpired(object.modified, now: now) {
                try? FileManager.default.removeItem(at: object.url)
                continue
            }
            found.append(object)
        }
        return found.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// Bytes stored in all and under `client`, sweeping expired objects.
    func usage(client: String, now: Date) -> (total: Int64, client: Int64) {
        var total: Int64 = 0, mine: Int64 = 0
        for object in objects(prefix: "", now: now) {
            total += object.size
            if Self.client(of: object.key) == client { mine += object.size }
        }
        return (total, mine)
    }

    /// Streams `body` to `.incoming`, checking the object limit and both quotas as bytes
    /// arrive (and up front from `Content-Length`), verifies `Content-MD5` when sent, then
    /// moves the file to its key.
    func store<Chunks: AsyncSequence>(key: String, headers: SwitchboardCore.Headers, body: Chunks, now: Date) async -> Result<StoredObject, StoreFailure>
    where Chunks.Element == [UInt8] {
        let client = Self.client(of: key)
        let replaced = object(key: key, now: now)?.size ?? 0
        let used = usage(client: client, now: now)
        func check(_ size: Int64) -> StoreFailure? {
            if size > configuration.maxObjectBytes {
                return StoreFailure(status: 413, code: "EntityTooLarge", message: "object larger than \(configuration.maxObjectBytes) bytes")
            }
            if used.client - replaced + size > configuration.clientQuotaBytes {
                return StoreFailure(status: 413, code: "ClientQuotaExceeded", message: "client \(client) would store more than \(configuration.clientQuotaBytes) bytes")
            }
            if used.total - replaced + size > configuration.quotaBytes {
                return StoreFailure(status: 507, code: "QuotaExceeded", message: "the store would hold more than \(configuration.quotaBytes) bytes")
            }
            return nil
        }
        if let declared = headers["Content-Length"].flatMap({ Int64($0) }), let failure = check(declared) {
            logger.notice("file store: upload refused", metadata: ["key": "\(key)", "code": "\(failure.code)"])
            return .failure(failure)
        }
        let incoming = root.appendingPathComponent(".incoming").appendingPathComponent(UUID().uuidString)
        guard FileManager.default.createFile(atPath: incoming.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: incoming) else {
            return .failure(StoreFailure(status: 500, code: "InternalError", message: "cannot create a file in the store"))
        }
        let expectedMD5 = headers["Content-MD5"]
        var md5 = expectedMD5 == nil ? nil : Insecure.MD5()
        var written: Int64 = 0
        do {
            defer { try? handle.close() }
            for try await chunk in body {
                written += Int64(chunk.count)
                if let failure = check(written) {
                    try? FileManager.default.removeItem(at: incoming)
                    logger.notice("file store: upload refused", metadata: ["key": "\(key)", "code": "\(failure.code)"])
                    return .failure(failure)
                }
                md5?.update(data: chunk)
                try handle.write(contentsOf: chunk)
            }
        } catch {
            try? FileManager.default.removeItem(at: incoming)
            return .failure(StoreFailure(status: 400, code: "IncompleteBody", message: "upload interrupted"))
        }
        if let expectedMD5, let digest = md5?.finalize(), Data(digest).base64EncodedString() != expectedMD5 {
            try? FileManager.default.removeItem(at: incoming)
            return .failure(StoreFailure(status: 400, code: "InvalidDigest", message: "Content-MD5 does not match the body"))
        }
        let destination = root.appendingPathComponent(key)
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: incoming, to: destination)
        } catch {
            try? FileManager.default.removeItem(at: incoming)
            return .failure(StoreFailure(status: 409, code: "FileAlreadyExists", message: "cannot store \(key)"))
        }
        guard let stored = Self.stat(destination, key: key) else {
            return .failure(StoreFailure(status: 500, code: "InternalError", message: "stored \(key) vanished"))
        }
        return .success(stored)
    }

    /// Deletes the object under `key`; missing is fine (as OSS answers 204 either way).
    func delete(key: String) {
        try? FileManager.default.removeItem(at: root.appendingPathComponent(key))
    }

    static func stat(_ url: URL, key: String) -> StoredObject? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = (attributes[.size] as? NSNumber)?.int64Value,
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return StoredObject(key: key, url: url, size: size, modified: modified)
    }
}
