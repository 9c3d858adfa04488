import MsgPack
import NIOCore
import WSLink

/// wslink 2.x on the generator's connections, with the project's own codecs: envelopes from
/// ``WSLinkEnvelope``, chunking from ``WSLinkChunker`` / ``WSLinkUnchunker``.
struct WSLinkWire {
    static let limits = MsgPackDecodingLimits(maxBinaryLength: 1 << 30, maxInputBytes: .max)
    private static let chunker = WSLinkChunker(maxMessageSize: 0)
    /// Messages in several chunks (the 64 MiB binary row), by message id: each chunk's bytes are
    /// written once into a buffer of the announced size. wslink sends a message's chunks in order.
    private var partial: [UInt32: ByteBuffer] = [:]
    private(set) var clientID = ""

    /// Sends `envelope` as one chunk.
    func send(_ envelope: WSLinkEnvelope, on connection: BenchConnection) {
        for chunk in Self.chunker.chunks(of: envelope.encoded()) {
            connection.send(binary: true, bytes: chunk)
        }
    }

    func sendHello(secret: String, on connection: BenchConnection) {
        let hello = WSLinkRequest(id: WSLinkEnvelope.helloID, method: WSLinkEnvelope.helloMethod, args: [["secret": .string(secret)]])
        send(.request(hello), on: connection)
    }

    func sendCall(_ method: String, sequence: UInt64, args: [MsgPackValue], kwargs: WSLinkKeywords = [:], on connection: BenchConnection) {
        send(.request(WSLinkRequest(id: "rpc:\(clientID):\(sequence)", method: method, args: args, kwargs: kwargs)), on: connection)
    }

    /// The envelope a binary message completes, or `nil` while chunks are due. A message that
    /// is not wslink is recorded as an error.
    mutating func receive(_ payload: ByteBuffer, binary: Bool, on connection: BenchConnection) -> WSLinkEnvelope? {
        guard binary, payload.readableBytes >= WSLinkChunkHeader.byteCount else {
            connection.stats.noteError("wslink: unexpected \(binary ? "short binary" : "text") message")
            return nil
        }
        let header = payload.withUnsafeReadableBytes { WSLinkChunkHeader($0)! }
        var content = payload
        content.moveReaderIndex(forwardBy: WSLinkChunkHeader.byteCount)
        do {
            if header.offset == 0 && Int(header.size) == content.readableBytes {
                return try Self.decode(content)
            }
            var message = partial.removeValue(forKey: header.id) ?? ByteBuffer()
            guard Int(header.offset) == message.readableBytes else {
                connection.stats.noteError("wslink: chunk at \(header.offset) of message \(header.id) after \(message.readableBytes) bytes")
                return nil
            }
            if header.offset == 0 { message.reserveCapacity(Int(header.size)) }
            message.writeBuffer(&content)
            guard message.readableBytes >= Int(header.size) else {
                partial[header.id] = message
                return nil
            }
            return try Self.decode(message)
        } catch {
            connection.stats.noteError("wslink: undecodable message: \(error)")
            return nil
        }
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
