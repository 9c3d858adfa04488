import Foundation
import Logging
import SwitchboardCore

extension CrossCommClient {
    /// Uploads a file, image or folder to the file store; returns its key (folder: prefix), or
    /// `nil` without a configured store (the message then goes without `oss_key`, as pywayne
    /// sends it without cloud credentials).
    func uploadAttachment(
        path: String,
        type: CrossCommMessageType,
        progress: (@Sendable (CrossCommTransferProgress) -> Void)?
    ) async throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CrossCommError(code: .fileNotFound, message: "\(path) does not exist")
        }
        guard isDirectory.boolValue == (type == .folder) else {
            throw CrossCommError(code: .invalidContent, message: "\(type.rawValue) needs a \(type == .folder ? "directory" : "regular file"): \(path)")
        }
        guard let base = configuration.fileStoreURL else {
            logger.notice("no file store configured: sending without oss_key", metadata: ["path": "\(path)"])
            return nil
        }
        let store = CrossCommFileStoreClient(baseURL: base, credentials: configuration.fileStoreCredentials, bucket: configuration.fileStoreBucket)
        if type == .folder {
            let prefix = CrossCommFileKeys.folderPrefix(client: clientID)
            try await store.uploadFolder(URL(fileURLWithPath: path), prefix: prefix, progress: progress)
            return prefix
        }
        let key = CrossCommFileKeys.fileKey(client: clientID, fileName: path)
        try await store.upload(URL(fileURLWithPath: path), key: key, progress: progress)
        return key
    }

    /// Downloads the object(s) a file message names into `directory` (`<directory>/<key>`, as
    /// pywayne saves) and returns the message with `content` set to the local path; on failure
    /// the message is returned unchanged (logged), as pywayne does.
    func downloadAttachment(of message: CrossCommMessage, into directory: String) async -> CrossCommMessage {
        guard let key = message.ossKey, let base = configuration.fileStoreURL else { return message }
        let store = CrossCommFileStoreClient(baseURL: base, credentials: configuration.fileStoreCredentials, bucket: configuration.fileStoreBucket)
        let root = URL(fileURLWithPath: directory)
        do {
            var updated = message
            if message.type == .folder {
                try await store.downloadFolder(prefix: key, into: root)
                updated.content = .string(root.appendingPathComponent(key).path)
            } else {
                let destination = root.appendingPathComponent(key)
                try await store.download(key: key, to: destination)
                updated.content = .string(destination.path)
            }
            return updated
        } catch {
            logger.warning("file download failed; handing the message on unchanged", metadata: ["oss_key": "\(key)", "error": "\(error)"])
            return message
        }
    }
}
