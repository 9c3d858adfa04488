import Foundation
public import SwitchboardCore

/// One HTTP request to the file store, parsed into what it addresses (Protocols.md §5.7):
/// OSS path-style `/<bucket>/<key>` and `/<bucket>/` (what `oss2` sends to an IP endpoint), or
/// Switchboard's own `/files/<key>` and `/files/<prefix>/`.
public struct CrossCommFileRequest: Sendable {
    /// What a request addresses.
    public enum Target: Sendable, Hashable {
        /// `/<bucket>/<key>`: one object.
        case object(bucket: String, key: String)
        /// `/<bucket>/` or `/<bucket>`: the bucket (listing).
        case bucket(String)
        /// `/files/<key>`: one object, Switchboard's API.
        case file(key: String)
        /// `/files/<prefix>/`: the keys under a folder prefix as JSON, Switchboard's API.
        case fileListing(prefix: String)
        /// `/` or a path that cannot be decoded.
        case unsupported
    }

    /// `GET`, `PUT`, `HEAD`, `DELETE`…
    public var method: String
    /// The raw (percent-encoded) path.
    public var path: String
    /// The raw query string, without `?`.
    public var query: String
    /// The request headers.
    public var headers: Headers

    /// Creates a request.
    public init(method: String, path: String, query: String = "", headers: Headers = Headers()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The query's name/value pairs, percent-decoded (`+` as a space, as `requests` encodes),
    /// in order; a name without `=` has an empty value.
    public var queryItems: [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// What the path addresses. Keys are percent-decoded; their validity is checked later.
    public var target: Target {
        guard path.hasPrefix("/"), path.count > 1 else { return .unsupported }
        let rest = path.dropFirst()
        guard let slash = rest.firstIndex(of: "/") else {
            guard let bucket = String(rest).removingPercentEncoding, !bucket.isEmpty else { return .unsupported }
            return .bucket(bucket)
        }
        guard let first = String(rest[..<slash]).removingPercentEncoding,
              let remainder = String(rest[rest.index(after: slash)...]).removingPercentEncoding else { return .unsupported }
        if first == "files" {
            if remainder.isEmpty { return .unsupported }
            return remainder.hasSuffix("/") ? .fileListing(prefix: remainder) : .file(key: remainder)
        }
        return remainder.isEmpty ? .bucket(first) : .object(bucket: first, key: remainder)
    }
}
