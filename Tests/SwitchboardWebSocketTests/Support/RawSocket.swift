#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import SwitchboardCore

/// A blocking TCP client for loopback tests that need to misbehave below the WebSocket
/// library: half-finished handshakes, invalid frames, peers that never answer pings.
/// Every read has a deadline. Blocking calls run on a Dispatch thread, never on the Swift
/// concurrency pool (with two cores, one blocked pool thread would starve the server under test).
final class RawSocket: @unchecked Sendable {
    // @unchecked: the descriptor is only used by one test at a time, one call after another.
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SwitchboardError(code: .connectionFailed, message: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw SwitchboardError(code: .connectionFailed, message: "connect() to port \(port) failed")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) async throws {
        try await Self.offload { try self.sendBlocking(bytes) }
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SwitchboardError(code: .connectionClosed, message: "send failed") }
            offset += sent
        }
    }

    /// Reads what is available, waiting up to `timeout`; empty means the peer closed.
    func receive(timeout: Duration) async throws -> [UInt8] {
        try await Self.offload { try self.receiveBlocking(timeout: timeout) }
    }

    private func receiveBlocking(timeout: Duration) throws -> [UInt8] {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) > 0 else {
            throw SwitchboardError(code: .timeout, message: "no data within \(timeout)")
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Reads until `predicate` holds for everything read so far, or the peer closes.
    func receive(until predicate: @escaping @Sendable ([UInt8]) -> Bool, timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var all: [UInt8] = []
        while !predicate(all) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw SwitchboardError(code: .timeout, message: "condition not met within \(timeout)") }
            let chunk = try await receive(timeout: remaining)
            if chunk.isEmpty { break }
            all += chunk
        }
        return all
    }

    /// Sends an HTTP request and returns the response head and whatever body arrived.
    func httpGet(_ path: String, headers: [String] = []) async throws -> (status: Int, text: String) {
        let request = (["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        try await send(request)
        let response = try await receive(until: { _ in false }, timeout: .seconds(5))
        let text = String(decoding: response, as: UTF8.self)
        let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }

    /// Performs a WebSocket upgrade on `path`; returns the response head.
    @discardableResult
    func upgrade(path: String, extensions: String? = nil) async throws -> String {
        String(decoding: try await upgradeBytes(path: path, extensions: extensions), as: UTF8.self)
    }

    /// Performs a WebSocket upgrade on `path`; returns every byte read: the response head and
    /// any frames that arrived with it.
    func upgradeBytes(path: String, extensions: String? = nil) async throws -> [UInt8] {
        var headers = [
            "GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        ]
        if let extensions { headers.append("Sec-WebSocket-Extensions: \(extensions)") }
        try await send(headers.joined(separator: "\r\n") + "\r\n\r\n")
        return try await receive(until: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }, timeout: .seconds(5))
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// A masked client frame (RFC 6455 §5.2).
    static func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> [UInt8] {
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        switch payload.count {
        case ..<126:
            frame.append(0x80 | UInt8(payload.count))
        case ..<65536:
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        default:
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xff) }
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// The close code in the first close frame among server frames in `bytes`, if any.
    static func closeCode(in bytes: [UInt8]) -> UInt16? {
        var index = 0
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0f
            var length = Int(bytes[index + 1] & 0x7f)
            var header = 2
            if length == 126, index + 4 <= bytes.count {
                length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                header = 4
            } else if length == 127 {
                return nil
            }
            let start = index + header
            if opcode == 0x8 {
                guard start + 2 <= bytes.count else { return nil }
                return UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
            }
            index = start + length
        }
        return nil
    }
}
