import Foundation

/// Store keys in pywayne's layout, and the rules a key must follow to be stored.
public enum CrossCommFileKeys {
    /// `cross_comm/{client}/{ms}_{hex8}{suffix}` for a file or image (suffix: `.ext` or empty).
    public static func fileKey(client: String, fileName: String, at timestamp: Double? = nil) -> String {
        let timestamp = timestamp ?? Date().timeIntervalSince1970
        let ext = (fileName as NSString).pathExtension
        return "cross_comm/\(client)/\(Int64(timestamp * 1000))_\(CrossCommIDs.hex(8))\(ext.isEmpty ? "" : "." + ext)"
    }

    /// `cross_comm/{client}/{ms}_{hex8}_folder/` for a folder; files go under it by relative path.
    public static func folderPrefix(client: String, at timestamp: Double? = nil) -> String {
        let timestamp = timestamp ?? Date().timeIntervalSince1970
        return "cross_comm/\(client)/\(Int64(timestamp * 1000))_\(CrossCommIDs.hex(8))_folder/"
    }

    /// Whether `key` may name a stored object: relative, `/`-separated, no empty, `.` or `..`
    /// segments, no backslash or control characters, at most 1024 bytes. A folder prefix
    /// (trailing `/`) is valid for listing only.
    public static func isValid(_ key: String, allowTrailingSlash: Bool = false) -> Bool {
        guard !key.isEmpty, key.utf8.count <= 1024, !key.hasPrefix("/") else { return false }
        guard !key.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" || $0.value == 0x7f }) else { return false }
        var segments = key.split(separator: "/", omittingEmptySubsequences: false)
        if allowTrailingSlash, key.hasSuffix("/") { segments.removeLast() }
        return !segments.isEmpty && segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}

/// How far a file transfer has come.
public struct CrossCommTransferProgress: Sendable, Hashable {
    /// Bytes moved so far.
    public var bytesTransferred: Int64
    /// Bytes to move in total.
    public var totalBytes: Int64

    /// Creates a progress report.
    public init(bytesTransferred: Int64, totalBytes: Int64) {
        self.bytesTransferred = bytesTransferred
        self.totalBytes = totalBytes
    }

    /// `bytesTransferred / totalBytes`, 1 for an empty transfer.
    public var fraction: Double { totalBytes == 0 ? 1 : Double(bytesTransferred) / Double(totalBytes) }
}
