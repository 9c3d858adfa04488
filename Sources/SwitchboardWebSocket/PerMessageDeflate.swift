import CompressNIO
import HTTPTypes
import NIOCore
import NIOWebSocket
import WSCore

/// permessage-deflate (RFC 7692) for one server connection, run synchronously on the
/// connection's event loop. Negotiation checks offers with ``BoundedDeflate/Builder/isValid``
/// first (an invalid offer is declined, the next valid one taken), then answers as the stock
/// WSCompression builder does with its defaults, so clients see the same headers as before.
///
/// Inflating is bounded by the message limit: an inflated message that would exceed it is
/// reported as ``Overflow`` (the engine closes with 1009, never 1011).
final class PerMessageDeflate {
    /// What was agreed for one connection.
    struct Agreement: Sendable, Hashable {
        var receiveMaxWindow: Int?
        var receiveNoContextTakeover: Bool
        var sendMaxWindow: Int?
        var sendNoContextTakeover: Bool

        /// The `Sec-WebSocket-Extensions` answer.
        var responseHeader: String {
            var header = "permessage-deflate"
            if let receiveMaxWindow { header += ";client_max_window_bits=\(receiveMaxWindow)" }
            if receiveNoContextTakeover { header += ";client_no_context_takeover" }
            if let sendMaxWindow { header += ";server_max_window_bits=\(sendMaxWindow)" }
            if sendNoContextTakeover { header += ";server_no_context_takeover" }
            return header
        }

        /// The first valid permessage-deflate offer in `headers`, if any.
        static func negotiate(_ headers: HTTPFields) -> Agreement? {
            // One header may list several offers separated by commas (Autobahn 13.7 sends three);
            // each is parsed on its own (commas never occur inside permessage-deflate values).
            var separated = HTTPFields()
            for value in headers[values: .secWebSocketExtensions] {
                for offer in value.split(separator: ",") {
                    separated.append(HTTPField(name: .secWebSocketExtensions, value: String(offer)))
                }
            }
            let offers = WebSocketExtensionHTTPParameters.parseHeaders(separated)
            guard let offer = offers.first(where: {
                $0.name == "permessage-deflate" && BoundedDeflate.Builder.isValid($0, isResponse: false) && canHonour($0)
            }) else {
                return nil
            }
            return Agreement(
                receiveMaxWindow: offer.parameters["client_max_window_bits"]?.integer,
                receiveNoContextTakeover: offer.parameters["client_no_context_takeover"] != nil,
                sendMaxWindow: offer.parameters["server_max_window_bits"]?.integer,
                sendNoContextTakeover: offer.parameters["server_no_context_takeover"] != nil
            )
        }

        /// zlib cannot deflate with a 256-byte window (a raw stream of window bits 8 fails to
        /// initialise), so an offer that asks the server for 8 is declined (RFC 7692 §5 lets
        /// the server decline; the client's next offer, or no compression, follows).
        private static func canHonour(_ offer: WebSocketExtensionHTTPParameters) -> Bool {
            offer.parameters["server_max_window_bits"]?.integer != zlibSmallestWindow - 1
        }
    }

    /// zlib's smallest raw deflate window (window bits); RFC 7692 allows 8 to 15.
    static let zlibSmallestWindow = 9

    /// An inflated message would exceed the limit.
    struct Overflow: Error {}

    /// Messages smaller than this are sent uncompressed (the stock extension's threshold).
    static let minimumSizeToCompress = 256

    let agreement: Agreement
    private let maxMessageSize: Int
    private var decompressor: ZlibDecompressor
    private var compressor: ZlibCompressor
    private var inflating = false
    private var inflatedBytes = 0
    private let allocator = ByteBufferAllocator()

    init(_ agreement: Agreement, maxMessageSize: Int) throws {
        self.agreement = agreement
        self.maxMessageSize = maxMessageSize
        // A client limited to window bits 8 is inflated with 9: a larger window reads any stream.
        let receiveWindow = max(agreement.receiveMaxWindow ?? 15, Self.zlibSmallestWindow)
        decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: Int32(receiveWindow))
        compressor = try ZlibCompressor(
            algorithm: .deflate,
            configuration: .init(windowSize: Int32(agreement.sendMaxWindow ?? 15), compressionLevel: -1, memoryLevel: 8)
        )
    }

    /// Whether the frame starting or continuing a message is compressed; `rsv1` is only
    /// meaningful on a message's first frame.
    func isCompressed(firstFrameRSV1 rsv1: Bool) -> Bool { rsv1 }

    /// Inflates one frame of a compressed message (`fin` ends the message).
    func inflate(_ data: ByteBuffer, fin: Bool) throws -> ByteBuffer {
        var data = data
        if fin { data.writeBytes([0, 0, 255, 255]) }
        let remaining = maxMessageSize + 1 - inflatedBytes
        let output: ByteBuffer
        do {
            output = try data.decompressStream(with: decompressor, maxSize: max(remaining, 1), allocator: allocator)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw Overflow()
        }
        inflatedBytes += output.readableBytes
        if fin {
            inflatedBytes = 0
            if agreement.receiveNoContextTakeover { try decompressor.reset() }
        }
        return output
    }

    /// Deflates one whole outbound message, or returns nil when it is too small to bother.
    func deflate(_ data: ByteBuffer) throws -> ByteBuffer? {
        guard data.readableBytes >= Self.minimumSizeToCompress else { return nil }
        var data = data
        var output = try data.compressStream(with: compressor, flush: .sync, allocator: allocator)
        // RFC 7692 §7.2.1: drop the trailing 0x00 0x00 0xff 0xff of the sync flush.
        output.moveWriterIndex(to: output.writerIndex - 4)
        if agreement.sendNoContextTakeover { try compressor.reset() }
        return output
    }
}
