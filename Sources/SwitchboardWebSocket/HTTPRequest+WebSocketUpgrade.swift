import HTTPTypes

extension HTTPRequest {
    /// A GET without a body whose `Connection` header carries the `upgrade` token (RFC 6455
    /// §4.2.1). NIO's typed upgrader would also accept a request without that token or with a
    /// body, but its HTTP parser then does not stop at the head: it parses what follows as HTTP,
    /// and after the 101 those parts are replayed into the WebSocket frame decoder, which traps.
    /// One such request crashed the whole server (found by the `upgrade` fuzz target,
    /// ROBUSTNESS.md); refused, it gets Hummingbird's 400 instead.
    var isWellFormedWebSocketUpgrade: Bool {
        guard method == .get else { return false }
        if headerFields[.transferEncoding] != nil { return false }
        if let length = headerFields[.contentLength], Self.trimmed(length[...]) != "0" { return false }
        return headerFields[values: .connection].contains { value in
            value.split(separator: ",").contains { Self.trimmed($0).lowercased() == "upgrade" }
        }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
