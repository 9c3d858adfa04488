import MsgPack
import NIOCore
import WSLink

/// wslink 2.x on the generator's connections, with the project's own codecs: envelopes from
/// ``WSLinkEnvelope`` and chunk headers from ``WSLinkChunkHeader``. Requests go out as one chunk;
/// replies in several chunks are reassembled here by message id.
struct WSLinkWire {
    static let limits = MsgPackDecodingLimits(maxBinaryLength: 1 << 30, maxInputBytes: .max)
    /// The encoding of the message being sent, kept for its capacity.
    private var scratch: [UInt8] = []
    /// wslink only needs a message's chunks to share an id; a counter per connection will do.
    private var nextMessageID = UInt32.random(in: 0 ... .max)
    /// Messages in several chunks (the 64 MiB binary row), by message id: each chunk's bytes are
    /// written once into a buffer of the announced size. wslink sends a message's chunks in order.
    private var partial: [UInt32: ByteBuffer] = [:]
    /// The last multi-chunk message's buffer, cleared, for the next one.
    private var spare: ByteBuffer?
    private(set) var clientID = ""

    /// Sends `envelope` as one chunk (header + encoding, as `WSLinkChunker` with no size limit
    /// would make it), encoded into a scratch array kept between messages and written straight
    /// behind the frame header: no chunk arrays per call, which made the generator the bound of
    /// the RPC row.
    mutating func send(_ envelope: WSLinkEnvelope, on connection: BenchConnection) {
        scratch.removeAll(keepingCapacity: true)
        envelope.value.encode(into: &scratch)
        nextMessageID &+= 1
        let header = WSLinkChunkHeader(id: nextMessageID, offset: 0, size: UInt32(scratch.count))
        connection.send(binary: true, { [scratch] frame in
            frame.writeInteger(header.id, endianness: .little)
            frame.writeInteger(header.offset, endianness: .little)
            frame.writeInteger(header.size, endianness: .little)
            frame.writeBytes(scratch)
        }, payloadLength: WSLinkChunkHeader.byteCount + scratch.count)
    }

    mutating func sendHello(secret: String, on connection: BenchConnection) {
        let hello = WSLinkRequest(id: WSLinkEnvelope.helloID, method: WSLinkEnvelope.helloMethod, args: [["secret": .string(secret)]])
        send(.request(hello), on: connection)
    }

    mutating func sendCall(_ method: String, sequence: UInt64, args: [MsgPackValue], kwargs: WSLinkKeywords = [:], on connection: BenchConnection) {
        send(.request(WSLinkRequest(id: "rpc:\(clientID):\(sequence)", method: method, args: args, kwargs: kwargs)), on: connection)
    }

    /// A complete wslink message: decoded, or (large ones, when asked) skimmed.
    enum Received {
        case envelope(WSLinkEnvelope)
        case large(WSLinkLargeReply)
    }

    /// The envelope a binary message completes, or `nil` while chunks are due. A message that
    /// is not wslink is recorded as an error.
    mutating func receive(_ payload: ByteBuffer, binary: Bool, on connection: BenchConnection) -> WSLinkEnvelope? {
        guard case .envelope(let envelope)? = receive(payload, binary: binary, skimmingFrom: .max, on: connection) else { return nil }
        return envelope
    }

    /// Like `receive`, but a message of at least `skimThreshold` bytes is only skimmed
    /// (``WSLinkLargeReply``): its blobs are checked by length, not copied out.
    mutating func receive(_ payload: ByteBuffer, binary: Bool, skimmingFrom skimThreshold: Int, on connection: BenchConnection) -> Received? {
        guard binary, payload.readableBytes >= WSLinkChunkHeader.byteCount else {
            connection.stats.noteError("wslink: unexpected \(binary ? "short binary" : "text") message")
            return nil
        }
        let start = payload.readerIndex
        let header = WSLinkChunkHeader(
            id: payload.getInteger(at: start, endianness: .little)!,
            offset: payload.getInteger(at: start + 4, endianness: .little)!,
            size: payload.getInteger(at: start + 8, endianness: .little)!)
        var content = payload
        content.moveReaderIndex(forwardBy: WSLinkChunkHeader.byteCount)
        do {
            if header.offset == 0 && Int(header.size) == content.readableBytes {
                return try Self.read(content, skimThreshold: skimThreshold)
            }
            var message = partial.removeValue(forKey: header.id) ?? ByteBuffer()
            guard Int(header.offset) == message.readableBytes else {
                connection.stats.noteError("wslink: chunk at \(header.offset) of message \(header.id) after \(message.readableBytes) bytes")
                return nil
            }
            if header.offset == 0 { message = takeBuffer(capacity: Int(header.size)) }
            message.writeBuffer(&content)
            guard message.readableBytes >= Int(header.size) else {
                partial[header.id] = message
                return nil
            }
            let received = try Self.read(message, skimThreshold: skimThreshold)
            // Kept for the next large message: freeing and allocating 64 MiB again would cost
            // page faults on every call.
            message.clear()
            spare = message
            return received
        } catch {
            connection.stats.noteError("wslink: undecodable message: \(error)")
            return nil
        }
    }

    private mutating func takeBuffer(capacity: Int) -> ByteBuffer {
        guard var buffer = spare, buffer.capacity >= capacity else { return ByteBuffer() }
        spare = nil
        buffer.clear()
        return buffer
    }

    private static func read(_ message: ByteBuffer, skimThreshold: Int) throws -> Received {
        guard message.readableBytes >= skimThreshold else { return .envelope(try decode(message)) }
        guard let reply = WSLinkLargeReply(message) else { throw MsgPackError(code: .typeMismatch, message: "not a wslink reply {id, result}", offset: 0) }
        return .large(reply)
    }

    private static func decode(_ message: ByteBuffer) throws -> WSLinkEnvelope {
        let value = try message.withUnsafeReadableBytes { raw throws(MsgPackError) in
            try MsgPackValue(decoding: raw, limits: limits)
        }
        return try WSLinkEnvelope(value)
    }

    /// Like `receive`, but the hello reply is taken here (the connection is then ready) and
    /// only what follows it is returned.
    mutating func receiveAfterHello(_ payload: ByteBuffer, binary: Bool, on connection: BenchConnection) -> WSLinkEnvelope? {
        guard let envelope = receive(payload, binary: binary, on: connection) else { return nil }
        guard clientID.isEmpty else { return envelope }
        if acceptHello(envelope, on: connection) { connection.ready() }
        return nil
    }

    /// Takes the hello reply; `false` (and an error) for anything else.
    mutating func acceptHello(_ envelope: WSLinkEnvelope, on connection: BenchConnection) -> Bool {
        guard case .result(WSLinkEnvelope.helloID, let result) = envelope, let id = result["clientID"]?.stringValue else {
            connection.stats.noteError("wslink: hello refused: \(envelope)")
            return false
        }
        clientID = id
        return true
    }

    /// The sequence number of an `rpc:<clientID>:<n>` id.
    static func sequence(of id: String) -> UInt64? {
        id.lastIndex(of: ":").flatMap { UInt64(id[id.index(after: $0)...]) }
    }
}
