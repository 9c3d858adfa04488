public import Logging
public import MsgPack
public import SwitchboardCore
import Synchronization

/// The wire generation a connection speaks, decided by its first data message.
public enum WSLinkGeneration: Sendable, Hashable, CustomStringConvertible {
    /// wslink ≤ 1.12: JSON text plus binary attachments.
    case v1
    /// wslink ≥ 2.0: msgpack in 12-byte-header chunks, binary messages only.
    case v2

    /// `1.x` or `2.x`.
    public var description: String { self == .v1 ? "1.x" : "2.x" }
}

/// Publishes to a wslink server's authenticated clients, and encodes every outbound message
/// for the generation each client speaks.
///
/// One publisher belongs to one ``WSLinkServerAdapter``; handlers reach it through
/// ``WSLinkContext/publisher``, other code through ``WSLinkServerAdapter/publisher``.
///
/// ```swift
/// try context.publisher.publish("demo.tick", ["i": 0, "bin": .binary([0, 1])])
/// try adapter.publisher.publish("viewport.image", frame, to: .allExceptLastActive)
/// ```
///
/// Publishing never waits: each recipient's frames are queued on its session (a slow reader
/// loses frames or is closed by its queue policy; nobody else is held up).
public final class WSLinkPublisher: Sendable {
    /// Who receives a publish.
    public enum Audience: Sendable, Hashable {
        /// Every authenticated client.
        case everyone
        /// One client, by client id.
        case client(String)
        /// Everyone but the client that made the most recent call (Python's `skip_last_active_client`).
        case allExceptLastActive
    }

    struct Peer {
        var session: Session
        var generation: WSLinkGeneration
    }

    private struct State {
        var peers: [String: Peer] = [:]
        var lastActive: String?
        var nextAttachmentKey = 0
    }

    /// The largest WebSocket message sent to 2.x clients (larger payloads are chunked).
    public let maxMessageSize: Int
    private let state = Mutex(State())
    private let logger: Logger

    /// Creates a publisher; ``WSLinkServerAdapter`` makes its own.
    public init(maxMessageSize: Int, logger: Logger) {
        self.maxMessageSize = maxMessageSize
        self.logger = logger
    }

    /// Client ids of the authenticated clients, sorted.
    public var clientIDs: [String] { state.withLock { $0.peers.keys.sorted() } }

    /// Whether `topic` is dot-separated word characters (`\w+(\.\w+)*`, ASCII as in the
    /// JavaScript client's id pattern); other topics would be silently dropped there.
    public static func isValidTopic(_ topic: String) -> Bool {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            }
        }
    }

    /// Publishes `value` on `topic` as `publish:<topic>:0`; returns how many clients queued it.
    /// Throws ``WSLinkError/Code/invalidTopic`` for a topic clients would drop and
    /// ``WSLinkError/Code/unencodableValue`` when the value has no 1.x form and 1.x clients listen.
    @discardableResult
    public func publish(_ topic: String, _ value: MsgPackValue, to audience: Audience = .everyone) throws(WSLinkError) -> Int {
        guard Self.isValidTopic(topic) else {
            throw WSLinkError(code: .invalidTopic, message: "topic \"\(topic)\" is not dot-separated word characters; wslink clients would drop it")
        }
        let recipients = state.withLock { state -> [Peer] in
            switch audience {
            case .everyone: return Array(state.peers.values)
            case .client(let id): return state.peers[id].map { [$0] } ?? []
            case .allExceptLastActive: return state.peers.filter { $0.key != state.lastActive }.map(\.value)
            }
        }
        let envelope = WSLinkEnvelope.publish(topic: topic, value)
        var encoded: [WSLinkGeneration: [Frame]] = [:]
        var delivered = 0
        for peer in recipients {
            let frames: [Frame]
            if let cached = encoded[peer.generation] {
                frames = cached
            } else {
                frames = try self.frames(for: envelope, generation: peer.generation)
                encoded[peer.generation] = frames
            }
            if frames.allSatisfy({ peer.session.offer($0).isDelivered }) { delivered += 1 }
        }
        return delivered
    }

    /// Publishes an `Encodable` value (see ``publish(_:_:to:)-(_,MsgPackValue,_)``).
    @discardableResult
    public func publish<Value: Encodable>(_ topic: String, _ value: Value, to audience: Audience = .everyone) throws -> Int {
        try publish(topic, try MsgPackEncoder().encodeToValue(value), to: audience)
    }

    /// The frames carrying `envelope` to a client of `generation`.
    public func frames(for envelope: WSLinkEnvelope, generation: WSLinkGeneration) throws(WSLinkError) -> [Frame] {
        switch generation {
        case .v2:
            let value = envelope.value
            let size = value.encodedByteCount
            if maxMessageSize == 0 || size + WSLinkChunkHeader.byteCount <= maxMessageSize {
                // One chunk (almost every message): encode straight behind the header rather
                // than encoding and then copying into the chunk. Same bytes as the chunker's.
                var frame: [UInt8] = []
                frame.reserveCapacity(WSLinkChunkHeader.byteCount + size)
                WSLinkChunkHeader(id: WSLinkMessageIDs.next(), offset: 0, size: UInt32(size)).write(to: &frame)
                value.encode(into: &frame)
                return [.binary(frame)]
            }
            return WSLinkChunker(maxMessageSize: maxMessageSize).chunks(of: value.encoded()).map { .binary($0) }
        case .v1:
            return try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.serverStyle) {
                state.withLock { state in
                    defer { state.nextAttachmentKey += 1 }
                    return state.nextAttachmentKey
                }
            }
        }
    }

    /// Closes one client's connection (after what is already queued for it); returns whether
    /// the client was connected. Its in-flight calls are cancelled.
    @discardableResult
    public func disconnect(_ clientID: String, code: CloseCode = .goingAway, reason: String = "") -> Bool {
        guard let peer = state.withLock({ $0.peers[clientID] }) else { return false }
        peer.session.close(code: code, reason: reason)
        return true
    }

    func register(_ clientID: String, session: Session, generation: WSLinkGeneration) {
        state.withLock { $0.peers[clientID] = Peer(session: session, generation: generation) }
    }

    func unregister(_ clientID: String) {
        state.withLock { state in
            state.peers[clientID] = nil
            if state.lastActive == clientID { state.lastActive = nil }
        }
    }

    func markActive(_ clientID: String) {
        state.withLock { $0.lastActive = clientID }
    }
}
