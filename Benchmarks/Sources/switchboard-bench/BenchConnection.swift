import NIOCore

/// What a scenario does on one connection. Every call happens on the connection's event loop.
protocol ScenarioDriver: AnyObject {
    /// The WebSocket upgrade succeeded: do the protocol's handshake, then call `connection.ready()`.
    func connected(_ connection: BenchConnection)
    /// Every connection is ready: the measured phase may start sending.
    func begin(_ connection: BenchConnection)
    /// One complete data message (text or binary), in the connection's read buffer.
    func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer)
}

/// A minimal RFC 6455 client on a raw NIO channel: the upgrade request is written by hand, frames
/// are parsed straight from the read buffer and written with word-wise masking. The per-message
/// async layer of WSClient would cost the generator several microseconds per message, which is
/// the same order as the servers it measures.
final class BenchConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Opcode: UInt8 {
        case continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10
    }

    let index: Int
    let stats: LoopStats
    let driver: any ScenarioDriver
    private let host: String
    private let port: Int
    private let path: String
    private let coordinator: RunCoordinator
    private var context: ChannelHandlerContext?
    private var inbound: ByteBuffer?
    private var upgraded = false
    private var fragments: ByteBuffer?
    private var fragmentIsBinary = false
    private var inReadLoop = false
    private var needsFlush = false
    private var closing = false
    private let maskKey: UInt32 = .random(in: 1 ... .max)
    private(set) var event: (any EventLoop)?

    init(index: Int, url: BenchURL, stats: LoopStats, driver: any ScenarioDriver, coordinator: RunCoordinator) {
        self.index = index
        self.host = url.host
        self.port = url.port
        self.path = url.path
        self.stats = stats
        self.driver = driver
        self.coordinator = coordinator
    }

    // MARK: channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        self.event = context.eventLoop
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        if !closing { coordinator.connectionLost() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !closing { stats.noteError("connection \(index): \(error)") }
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if inbound == nil || inbound!.readableBytes == 0 {
            inbound = incoming
        } else {
            inbound!.writeBuffer(&incoming)
        }
        inReadLoop = true
        if !upgraded { readUpgradeResponse(context: context) }
        if upgraded { readFrames() }
        inReadLoop = false
        if let buffered = inbound, buffered.readableBytes == 0 { inbound = nil }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    // MARK: sending

    /// Sends one data message. Inside a read the flush waits for the end of the read burst.
    func send(binary: Bool, _ write: (inout ByteBuffer) -> Void, payloadLength: Int) {
        guard let context, !closing else { return }
        var frame = context.channel.allocator.buffer(capacity: payloadLength + 14)
        writeHeader(opcode: binary ? .binary : .text, length: payloadLength, into: &frame)
        let start = frame.writerIndex
        write(&frame)
        precondition(frame.writerIndex - start == payloadLength, "payload length mismatch")
        mask(&frame, from: start)
        context.write(wrapOutboundOut(frame), promise: nil)
        if inReadLoop { needsFlush = true } else { context.flush() }
    }

    func send(binary: Bool, bytes: [UInt8]) {
        send(binary: binary, { $0.writeBytes(bytes) }, payloadLength: bytes.count)
    }

    func send(text: String) {
        send(binary: false, { $0.writeString(text) }, payloadLength: text.utf8.count)
    }

    /// The handshake of the scenario is done.
    func ready() { coordinator.connectionReady(self) }

    /// Sends a close frame and closes the socket (the run is over).
    func close() {
        guard let context, !closing else { return }
        closing = true
        var frame = context.channel.allocator.buffer(capacity: 8)
        writeHeader(opcode: .close, length: 2, into: &frame)
        let start = frame.writerIndex
        frame.writeInteger(UInt16(1000))
        mask(&frame, from: start)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: parsing

    private func readUpgradeResponse(context: ChannelHandlerContext) {
        guard var buffer = inbound, let view = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10]) else { return }
        let headerLength = view.upperBound - buffer.readerIndex
        let head = buffer.readString(length: headerLength) ?? ""
        inbound = buffer
        guard head.hasPrefix("HTTP/1.1 101") else {
            stats.noteError("connection \(index): upgrade refused: \(head.prefix(while: { $0 != "\r" }))")
            closing = true
            coordinator.connectionLost()
            context.close(promise: nil)
            return
        }
        upgraded = true
        driver.connected(self)
    }

    private func readFrames() {
        while var buffer = inbound, buffer.readableBytes >= 2 {
            let start = buffer.readerIndex
            guard let first = buffer.getInteger(at: start, as: UInt8.self),
                  let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return }
            var headerLength = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return }
                length = Int(extended)
                headerLength = 4
            } else if length == 127 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return }
                length = Int(extended)
                headerLength = 10
            }
            let masked = second & 0x80 != 0
            if masked { headerLength += 4 }
            guard buffer.readableBytes >= headerLength + length else {
                // Room for the whole frame at once, so a large one is not regrown (and copied) read
                // after read. `inbound` lets go first: the buffer is then unique and not copied.
                inbound = nil
                if buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
                buffer.reserveCapacity(minimumWritableBytes: headerLength + length - buffer.readableBytes)
                inbound = buffer
                return
            }
            buffer.moveReaderIndex(forwardBy: headerLength)
            let payload = buffer.readSlice(length: length)!
            inbound = buffer
            let fin = first & 0x80 != 0
            guard let opcode = Opcode(rawValue: first & 0x0F), !masked else {
                stats.noteError("connection \(index): bad frame header \(first) \(second)")
                context?.close(promise: nil)
                return
            }
            handle(opcode: opcode, fin: fin, payload: payload)
            if context == nil { return }
        }
    }

    private func handle(opcode: Opcode, fin: Bool, payload: ByteBuffer) {
        switch opcode {
        case .text, .binary:
            if fin {
                driver.received(self, binary: opcode == .binary, payload: payload)
            } else {
                fragmentIsBinary = opcode == .binary
                fragments = payload
            }
        case .continuation:
            var payload = payload
            fragments?.writeBuffer(&payload)
            if fin, let message = fragments {
                fragments = nil
                driver.received(self, binary: fragmentIsBinary, payload: message)
            }
        case .ping:
            guard let context else { return }
            var frame = context.channel.allocator.buffer(capacity: payload.readableBytes + 14)
            writeHeader(opcode: .pong, length: payload.readableBytes, into: &frame)
            let start = frame.writerIndex
            var body = payload
            frame.writeBuffer(&body)
            mask(&frame, from: start)
            context.write(wrapOutboundOut(frame), promise: nil)
            needsFlush = true
        case .pong:
            break
        case .close:
            if !closing {
                let code = payload.getInteger(at: payload.readerIndex, as: UInt16.self).map(String.init) ?? "none"
                stats.noteError("connection \(index): server closed (code \(code))")
                coordinator.connectionLost()
            }
            closing = true
            context?.close(promise: nil)
        }
    }

    private func writeHeader(opcode: Opcode, length: Int, into frame: inout ByteBuffer) {
        frame.writeInteger(0x80 | opcode.rawValue)
        if length < 126 {
            frame.writeInteger(UInt8(0x80 | length))
        } else if length <= 0xFFFF {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(0x80 | 127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeInteger(maskKey)
    }

    /// XORs the payload with the key eight bytes at a time (the key repeats every four bytes,
    /// so it is written big-endian into both halves of a word).
    private func mask(_ frame: inout ByteBuffer, from start: Int) {
        let key = maskKey
        let offset = start - frame.readerIndex
        frame.withUnsafeMutableReadableBytes { raw in
            let payload = UnsafeMutableRawBufferPointer(rebasing: raw[offset...])
            // The key's bytes in wire order, twice: byte j of the word in memory is key byte
            // j % 4 (both halves hold the big-endian key, stored in the machine's order).
            let half = UInt64(key.bigEndian)
            let word = half | half << 32
            let count = payload.count
            var i = 0
            while i + 8 <= count {
                let value = payload.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                payload.storeBytes(of: value ^ word, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            withUnsafeBytes(of: word) { keyBytes in
                while i < count {
                    payload[i] ^= keyBytes[i & 7]
                    i += 1
                }
            }
        }
    }
}
