import Foundation

/// Reads a session's log file incrementally and tells when its ready line has appeared.
/// Only the bytes added since the last look are read; the tail of the previous read is kept
/// so a ready line split across two reads is still found.
struct ReadyLineWatcher {
    let path: String
    let readyLine: [UInt8]?
    private var offset: UInt64 = 0
    private var carry: [UInt8] = []

    init(path: String, readyLine: String?) {
        self.path = path
        self.readyLine = readyLine.map { Array($0.utf8) }
    }

    /// Whether the ready line is in the log (always true when the app has none).
    mutating func isReady() -> Bool {
        guard let readyLine, !readyLine.isEmpty else { return true }
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else {
            return false
        }
        offset += UInt64(data.count)
        let window = carry + Array(data)
        if Self.contains(window, readyLine) { return true }
        carry = Array(window.suffix(readyLine.count - 1))
        return false
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
