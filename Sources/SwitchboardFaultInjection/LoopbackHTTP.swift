import Foundation
import NIOCore
import NIOPosix
import SwitchboardCore
import Synchronization

/// A minimal HTTP/1.1 GET over loopback (`Connection: close`, body read to the end), enough
/// to read `/stats` without pulling an HTTP client library into tools and tests.
public enum LoopbackHTTP {
    /// The body of `GET http://127.0.0.1:<port><path>`; throws unless the status is 200.
    public static func get(port: Int, path: String, timeout: Duration = .seconds(10)) async throws -> String {
        try await withTimeout(timeout, "GET \(path)") {
            let collector = Collector()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.pipeline.addHandler(collector) }
                .connect(host: "127.0.0.1", port: port)
                .get()
            let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: request)).get()
            try await channel.closeFuture.get()
            let response = String(decoding: collector.bytes, as: UTF8.self)
            guard let split = response.range(of: "\r\n\r\n") else {
                throw SwitchboardError(code: .protocolViolation, message: "GET \(path): no HTTP response")
            }
            let head = response[..<split.lowerBound]
            guard head.hasPrefix("HTTP/1.1 200") else {
                throw SwitchboardError(code: .protocolViolation, message: "GET \(path): \(head.prefix { $0 != "\r" })")
            }
            let body = String(response[split.upperBound...])
            return head.lowercased().contains("transfer-encoding: chunked") ? dechunked(body) : body
        }
    }

    private static func dechunked(_ body: String) -> String {
        var result = ""
        var rest = Substring(body)
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest.utf8
            let end = utf8.index(start, offsetBy: size)
            result += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return result
    }

    /// Collects every byte the connection delivers. Lock: `received` (a `Mutex`).
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let received = Mutex<[UInt8]>([])

        var bytes: [UInt8] { received.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let chunk = buffer.readBytes(length: buffer.readableBytes) ?? []
            received.withLock { $0 += chunk }
        }
    }
}
