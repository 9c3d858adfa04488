/// Which browser origins may open a WebSocket on a route: the defence against cross-site
/// WebSocket hijacking (a page on another site opening a socket to a local server).
///
/// Browsers always send `Origin` on a WebSocket upgrade; other clients (Python, Node, our Swift
/// client) usually send none, so a missing `Origin` is allowed unless
/// ``allowsMissingOrigin`` is false. A refused upgrade is answered `403 Forbidden`.
///
/// ```swift
/// OriginPolicy.default                                   // same host and loopback pages
/// OriginPolicy(allowed: [.exact("https://app.example.com")], allowsSameHost: true)
/// OriginPolicy.any                                       // no check
/// ```
public struct OriginPolicy: Sendable, Hashable {
    /// One allowed origin.
    public enum Entry: Sendable, Hashable {
        /// Any origin at all.
        case any
        /// Pages served from a loopback host: `localhost`, `127.0.0.0/8`, `[::1]`, any port.
        case loopback
        /// One origin, `scheme://host[:port]`, compared without case and default ports
        /// (`null` matches the opaque origin of `file://` and sandboxed pages).
        case exact(String)
    }

    /// Origins allowed besides the same host.
    public var allowed: [Entry]
    /// Whether a page whose origin's host and port equal the request's `Host` is allowed.
    public var allowsSameHost: Bool
    /// Whether an upgrade without `Origin` (not a browser) is allowed.
    public var allowsMissingOrigin: Bool

    /// Creates a policy.
    public init(allowed: [Entry] = [], allowsSameHost: Bool = true, allowsMissingOrigin: Bool = true) {
        self.allowed = allowed
        self.allowsSameHost = allowsSameHost
        self.allowsMissingOrigin = allowsMissingOrigin
    }

    /// Same host and loopback origins, and clients without `Origin`.
    public static let `default` = OriginPolicy(allowed: [.loopback])
    /// Every origin.
    public static let any = OriginPolicy(allowed: [.any])

    /// Whether an upgrade with `origin` (the header, if any) sent to `host` (the `Host` header)
    /// is allowed.
    public func allows(origin: String?, host: String?) -> Bool {
        guard let origin = origin?.trimmingWhitespace, !origin.isEmpty else { return allowsMissingOrigin }
        if allowed.contains(.any) { return true }
        let parsed = ParsedOrigin(origin)
        for entry in allowed {
            switch entry {
            case .any:
                return true
            case .loopback:
                if let parsed, parsed.isLoopback { return true }
            case .exact(let text):
                if text.lowercased() == "null" {
                    if origin.lowercased() == "null" { return true }
                } else if let parsed, let wanted = ParsedOrigin(text), parsed == wanted {
                    return true
                }
            }
        }
        if allowsSameHost, let parsed, let host, parsed.authority == ParsedOrigin.authority(host.trimmingWhitespace, scheme: parsed.scheme) {
            return true
        }
        return false
    }
}

/// `scheme://host[:port]`, lowercased, the scheme's default port dropped.
struct ParsedOrigin: Hashable {
    var scheme: String
    var authority: String

    init?(_ text: String) {
        let lowered = text.lowercased()
        let parts = lowered.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasPrefix("//") else { return nil }
        scheme = String(parts[0])
        var rest = parts[1].dropFirst(2)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !scheme.isEmpty, !rest.isEmpty, !rest.contains("@") else { return nil }
        authority = Self.authority(String(rest), scheme: scheme)
    }

    /// `host[:port]` lowercased, without the scheme's default port.
    static func authority(_ hostAndPort: String, scheme: String) -> String {
        let lowered = hostAndPort.lowercased()
        let defaultPort = ["http": ":80", "ws": ":80", "https": ":443", "wss": ":443"][scheme]
        if let defaultPort, lowered.hasSuffix(defaultPort) { return String(lowered.dropLast(defaultPort.count)) }
        return lowered
    }

    /// The host without port or IPv6 brackets.
    var host: String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "")
    }

    var isLoopback: Bool {
        let host = self.host
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

extension String {
    var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}
