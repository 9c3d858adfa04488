/// The first request of a proxied connection, `GET /proxy?sessionId=<id>&path=ws HTTP/1.1`,
/// and its rewrite for the session's server (`GET /ws HTTP/1.1`): the form ParaViewWeb's
/// sessionURL takes behind Apache (`wss://host/proxy?sessionId=${id}&path=ws`).
///
/// ```swift
/// let head = ProxyRequestHead(parsing: "GET /proxy?sessionId=abc&path=ws HTTP/1.1\r\nHost: h\r\n\r\n")
/// head?.sessionID          // "abc"
/// head?.rewritten()        // "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n"
/// ```
public struct ProxyRequestHead: Sendable, Equatable {
    /// The path the proxy answers on.
    public static let proxyPath = "/proxy"

    /// Request method.
    public var method: String
    /// `sessionId` query parameter, percent-decoded (nil when absent).
    public var sessionID: String?
    /// `path` query parameter: the session server's path, without leading slashes.
    public var path: String
    /// The other query parameters, as written.
    public var otherQuery: [Substring]
    /// HTTP version token (`HTTP/1.1`).
    public var version: String
    /// Header lines as written.
    public var headerLines: [Substring]

    /// Whether `target` (a request-target) is on the proxy path.
    public static func isProxyTarget(_ target: Substring) -> Bool {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first == Substring(proxyPath)
    }

    /// Parses a complete request head (through the blank line); nil when it is not a
    /// well-formed request line for the proxy path.
    public init?(parsing head: String) {
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, Self.isProxyTarget(parts[1]), parts[2].hasPrefix("HTTP/1.") else { return nil }
        method = String(parts[0])
        version = String(parts[2])
        headerLines = Array(lines.dropFirst())
        let query = parts[1].split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        var sessionID: String?
        var path = ""
        var other: [Substring] = []
        for item in query.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = pair.count > 1 ? Self.percentDecoded(pair[1]) : ""
            switch pair[0] {
            case "sessionId": sessionID = value
            case "path": path = String(value.drop { $0 == "/" })
            default: other.append(item)
            }
        }
        self.sessionID = sessionID
        self.path = path
        otherQuery = other
    }

    /// Whether the request asks for a protocol upgrade (a WebSocket handshake).
    public var isUpgrade: Bool {
        headerLines.contains { $0.lowercased().hasPrefix("upgrade:") }
    }

    /// The head to send to the session's server: target `/<path>` plus the other query
    /// parameters. A plain HTTP request also gets `Connection: close`, so that one proxied
    /// connection carries one request (later ones would not carry the session id).
    public func rewritten() -> String {
        let target = "/" + path.filter { $0 != " " } + (otherQuery.isEmpty ? "" : "?" + otherQuery.joined(separator: "&"))
        var lines = ["\(method) \(target) \(version)"]
        for line in headerLines {
            let name = line.split(separator: ":", maxSplits: 1).first?.lowercased().trimmingSpaces ?? ""
            if !isUpgrade && ["connection", "keep-alive", "proxy-connection"].contains(name) { continue }
            lines.append(String(line))
        }
        if !isUpgrade { lines.append("Connection: close") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
