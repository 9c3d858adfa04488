import Foundation

/// The launcher's `configuration.content` directory, served read-only over HTTP: `/` is
/// `index.html`, paths are percent-decoded, and nothing outside the directory is reachable
/// (`..` segments and symlinks leaving it answer 404).
struct StaticFiles: Sendable {
    let root: URL

    init?(directory: String) {
        guard !directory.isEmpty else { return nil }
        root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The file for a request path and its media type, or nil.
    func file(for requestPath: String) -> (data: Data, contentType: String)? {
        let pathOnly = requestPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let decoded = String(pathOnly).removingPercentEncoding, !decoded.contains("\0") else { return nil }
        let segments = decoded.split(separator: "/")
        guard !segments.contains("..") else { return nil }
        var url = segments.reduce(root) { $0.appendingPathComponent(String($1)) }.resolvingSymlinksInPath()
        guard url.path == root.path || url.path.hasPrefix(root.path + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { url.appendPathComponent("index.html") }
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return (data, Self.contentType(of: url.pathExtension))
    }

    static func contentType(of pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json", "map": "application/json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "ico": "image/x-icon"
        case "wasm": "application/wasm"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
