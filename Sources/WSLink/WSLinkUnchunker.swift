/// Reassembles wslink 2.x chunk messages into msgpack payloads (spec §7.3): a pure state
/// machine, one per connection, with time passed in.
///
/// Chunks may arrive in any order and chunks of different messages may interleave. Unlike
/// the originals, which allocate whatever size an unauthenticated header declares, this one
/// bounds what a peer can make it hold: the size a message may declare (`sizeLimit`, lowered
/// before authentication), the bytes held in partial messages, the number of partial
/// messages, and how long a partial message may wait for its remaining chunks.
///
/// ```swift
/// var unchunker = WSLinkUnchunker()
/// if let payload = try unchunker.receive(frame, sizeLimit: 16 << 10, at: .now) {
///     let envelope = try WSLinkEnvelope(decoding: payload)
/// }
/// ```
public struct WSLinkUnchunker: Sendable {
    /// Bounds on what one connection may keep in reassembly.
    public struct Limits: Sendable, Hashable {
        /// Sum of the declared sizes of all partial messages.
        public var maxBufferedBytes: Int
        /// Messages partially received at once.
        public var maxPartialMessages: Int
        /// How long a partial message may wait for its next chunk before it is dropped.
        public var incompleteTimeout: Duration

        /// Creates limits.
        public init(maxBufferedBytes: Int = 256 << 20, maxPartialMessages: Int = 32, incompleteTimeout: Duration = .seconds(60)) {
            self.maxBufferedBytes = maxBufferedBytes
            self.maxPartialMessages = maxPartialMessages
            self.incompleteTimeout = incompleteTimeout
        }

        /// 256 MiB buffered, 32 partial messages, 60 s per partial message.
        public static let `default` = Limits()
    }

    private struct Partial: Sendable {
        var size: Int
        var received: Int
        var parts: [(offset: Int, bytes: ArraySlice<UInt8>)]
        var lastChunk: ContinuousClock.Instant
    }

    /// The limits in force.
    public let limits: Limits
    private var partials: [UInt32: Partial] = [:]
    private var bufferedBytes = 0

    /// Creates an empty unchunker.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// Messages partially received.
    public var partialMessageCount: Int { partials.count }
    /// Sum of the declared sizes of the partial messages (what they reserve).
    public var reservedBytes: Int { bufferedBytes }

    /// Takes one binary WebSocket message. Returns the payload when this chunk completes its
    /// message, `nil` while more chunks are due. Throws when the chunk breaks the framing
    /// (``WSLinkError/Code/malformedChunk``, ``WSLinkError/Code/chunkSizeMismatch``) or a limit
    /// (``WSLinkError/Code/messageTooLarge`` for a size over `sizeLimit`,
    /// ``WSLinkError/Code/tooManyPartialMessages``, ``WSLinkError/Code/reassemblyFull``); the
    /// message the chunk belonged to is then dropped.
    public mutating func receive(_ frame: [UInt8], sizeLimit: Int, at now: ContinuousClock.Instant) throws(WSLinkError) -> [UInt8]? {
        expire(at: now)
        guard let header = WSLinkChunkHeader(frame) else {
            throw WSLinkError(code: .malformedChunk, message: "binary message of \(frame.count) bytes is shorter than the 12-byte chunk header")
        }
        let size = Int(header.size)
        let offset = Int(header.offset)
        let content = frame[WSLinkChunkHeader.byteCount...]
        guard size <= sizeLimit else {
            drop(header.id)
            throw WSLinkError(code: .messageTooLarge, message: "message declares \(size) bytes; the limit is \(sizeLimit)")
        }
        guard offset + content.count <= size else {
            drop(header.id)
            throw WSLinkError(code: .malformedChunk, message: "chunk content \(offset)..<\(offset + content.count) runs past the declared size \(size)")
        }
        if var partial = partials[header.id] {
            guard partial.size == size else {
                drop(header.id)
                throw WSLinkError(code: .chunkSizeMismatch, message: "chunk declares size \(size) but its message declared \(partial.size)")
            }
            partial.parts.append((offset, content))
            partial.received += content.count
            partial.lastChunk = now
            if partial.received >= size {
                drop(header.id)
                return Self.assemble(size: size, parts: partial.parts)
            }
            partials[header.id] = partial
            return nil
        }
        if offset == 0 && content.count == size { return Array(content) }
        guard partials.count < limits.maxPartialMessages else {
            throw WSLinkError(code: .tooManyPartialMessages, message: "more than \(limits.maxPartialMessages) messages partially received at once")
        }
        guard bufferedBytes + size <= limits.maxBufferedBytes else {
            throw WSLinkError(code: .reassemblyFull, message: "partial messages would hold \(bufferedBytes + size) bytes; the limit is \(limits.maxBufferedBytes)")
        }
        partials[header.id] = Partial(size: size, received: content.count, parts: [(offset, content)], lastChunk: now)
        bufferedBytes += size
        return nil
    }

    /// Drops partial messages that have waited longer than ``Limits/incompleteTimeout`` for a
    /// chunk; returns how many were dropped.
    @discardableResult
    public mutating func expire(at now: ContinuousClock.Instant) -> Int {
        guard !partials.isEmpty else { return 0 }
        let stale = partials.filter { now - $0.value.lastChunk > limits.incompleteTimeout }.map(\.key)
        for id in stale { drop(id) }
        return stale.count
    }

    /// Forgets every partial message (the connection closed).
    public mutating func reset() {
        partials.removeAll()
        bufferedBytes = 0
    }

    private mutating func drop(_ id: UInt32) {
        if let partial = partials.removeValue(forKey: id) { bufferedBytes -= partial.size }
    }

    private static func assemble(size: Int, parts: [(offset: Int, bytes: ArraySlice<UInt8>)]) -> [UInt8] {
        var payload = [UInt8](repeating: 0, count: size)
        for part in parts {
            payload.replaceSubrange(part.offset..<part.offset + part.bytes.count, with: part.bytes)
        }
        return payload
    }
}
