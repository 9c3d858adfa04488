/// The 12-byte header in front of every wslink 2.x binary message: little-endian `id`,
/// `offset` of this chunk's content in the payload, and the payload's total `size`.
public struct WSLinkChunkHeader: Sendable, Hashable {
    /// Bytes in a header.
    public static let byteCount = 12

    /// Random per message; all chunks of one message share it.
    public var id: UInt32
    /// Where this chunk's content starts in the payload.
    public var offset: UInt32
    /// The whole payload's length, identical in every chunk of the message.
    public var size: UInt32

    /// Creates a header.
    public init(id: UInt32, offset: UInt32, size: UInt32) {
        self.id = id
        self.offset = offset
        self.size = size
    }

    /// Reads the header at the start of `frame`; `nil` when the frame is shorter than 12 bytes.
    public init?(_ frame: some Collection<UInt8>) {
        guard frame.count >= Self.byteCount else { return nil }
        var index = frame.startIndex
        func word() -> UInt32 {
            var word: UInt32 = 0
            for shift in stride(from: 0, to: 32, by: 8) {
                word |= UInt32(frame[index]) << UInt32(shift)
                index = frame.index(after: index)
            }
            return word
        }
        let id = word()
        let offset = word()
        self.init(id: id, offset: offset, size: word())
    }

    /// Appends the header's 12 bytes to `buffer`.
    public func write(to buffer: inout [UInt8]) {
        func append(_ word: UInt32) {
            buffer.append(UInt8(truncatingIfNeeded: word))
            buffer.append(UInt8(truncatingIfNeeded: word >> 8))
            buffer.append(UInt8(truncatingIfNeeded: word >> 16))
            buffer.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        append(id)
        append(offset)
        append(size)
    }
}

/// Splits a msgpack payload into wslink 2.x chunk messages (spec §7.2).
///
/// Every chunk, header included, fits in `maxMessageSize`; `0` means "one chunk, whatever
/// its size", as in the originals.
///
/// ```swift
/// let frames = WSLinkChunker(maxMessageSize: 4_194_304).chunks(of: envelope.encoded())
/// for frame in frames { try await session.send(.binary(frame)) }
/// ```
public struct WSLinkChunker: Sendable, Hashable {
    /// The largest WebSocket message to emit (header included), or 0 for no splitting.
    public var maxMessageSize: Int

    /// Creates a chunker.
    public init(maxMessageSize: Int) {
        self.maxMessageSize = max(0, maxMessageSize)
    }

    /// The chunks of `payload` with a random message id.
    public func chunks(of payload: [UInt8]) -> [[UInt8]] {
        chunks(of: payload, id: WSLinkMessageIDs.next())
    }

    /// The chunks of `payload` with the given message id (tests use a fixed one).
    public func chunks(of payload: [UInt8], id: UInt32) -> [[UInt8]] {
        let total = payload.count
        let content = maxMessageSize == 0 ? max(total, 1) : max(maxMessageSize - WSLinkChunkHeader.byteCount, 1)
        var result: [[UInt8]] = []
        result.reserveCapacity(total / content + 1)
        var offset = 0
        repeat {
            let end = min(offset + content, total)
            var frame: [UInt8] = []
            frame.reserveCapacity(WSLinkChunkHeader.byteCount + end - offset)
            WSLinkChunkHeader(id: id, offset: UInt32(offset), size: UInt32(total)).write(to: &frame)
            frame.append(contentsOf: payload[offset..<end])
            result.append(frame)
            offset = end
        } while offset < total
        return result
    }
}
