public import Logging
public import MsgPack
public import SwitchboardCore
import NIOCore
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
/// Clients are the server's sessions: an authenticated client carries its client id as its
/// session identity and is a member of its generation's group, so a publish is one broadcast
/// per generation through the `SessionManager` — encoded once, the same
/// buffer queued for every recipient, each event loop woken once. Publishing never waits: a
/// slow reader loses frames or is closed by its queue policy; nobody else is held up.
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

    private struct State {
        var manager: SessionManager?
        var nextAttachmentKey = 0
    }

    /// The adapter whose clients this publisher reaches.
    public let adapter: String
    /// The largest WebSocket message sent to 2.x clients (larger payloads are chunked).
    public let maxMessageSize: Int
    private let state = Mutex(State())
    /// The cluster's broker once ``attach(cluster:sessions:)`` was called (see `WSLinkPublisher+Cluster.swift`).
    let broker = Mutex<(any Broker)?>(nil)
    /// The connection id of the client that made the most recent call (0: none).
    private let lastActive = Atomic<UInt64>(0)
    /// Listeners and their observers (see `WSLinkPublisher+Subscriptions.swift`).
    let topics = Mutex(TopicState())
    let counters = Counters()
    let logger: Logger

    /// Creates a publisher; ``WSLinkServerAdapter`` makes its own.
    public init(adapter: String = "wslink", maxMessageSize: Int, logger: Logger) {
        self.adapter = adapter
        self.maxMessageSize = maxMessageSize
        self.logger = logger
    }

    /// The session-manager group holding the clients of `generation`.
    func group(_ generation: WSLinkGeneration) -> String {
        "\(adapter).wslink-\(generation)"
    }

    private var manager: SessionManager? { state.withLock { $0.manager } }

    /// The session manager's metrics, once a client connected.
    var sessionMetrics: SwitchboardMetrics? { manager?.metrics }

    /// Sets the session manager before any client connected (cluster traffic may arrive first).
    func setManager(_ manager: SessionManager) { state.withLock { $0.manager = manager } }

    /// Client ids of the authenticated clients, sorted.
    public var clientIDs: [String] {
        guard let manager else { return [] }
        return (manager.members(of: group(.v2)) + manager.members(of: group(.v1))).compactMap(\.identity).sorted()
    }

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
    /// In a cluster, a publish to ``Audience/everyone`` also reaches every other node's clients.
    @discardableResult
    public func publish(_ topic: String, _ value: MsgPackValue, to audience: Audience = .everyone) throws(WSLinkError) -> Int {
        guard Self.isValidTopic(topic) else {
            throw WSLinkError(code: .invalidTopic, message: "topic \"\(topic)\" is not dot-separated word characters; wslink clients would drop it")
        }
        if audience == .everyone { forwardToCluster(topic, value) }
        return try publishLocally(topic, value, to: audience)
    }

    /// Publishes to this node's clients only: once per generation and distinct filter, to the
    /// clients that never announced subscriptions and to those that announced `topic`.
    func publishLocally(_ topic: String, _ value: MsgPackValue, to audience: Audience) throws(WSLinkError) -> Int {
        // One read of the registry per publish: whether anybody listens, and with which filters.
        let (listening, filters) = topics.withLock { ($0.registry.isListening(topic), $0.registry.filters(of: topic)) }
        guard let manager, listening else {
            counters.skipped.add(1, ordering: .relaxed)
            recordSkipped(topic)
            return 0
        }
        var delivered = 0
        for generation in [WSLinkGeneration.v2, .v1] {
            for batch in recipients(of: topic, filters: filters, generation: generation, audience: audience, manager: manager) {
                let envelope = WSLinkEnvelope.publish(topic: topic, batch.filter?.apply(to: value) ?? value)
                let frames = try self.frames(for: envelope, generation: generation)
                counters.encodes.add(1, ordering: .relaxed)
                var reports: [SessionManager.BroadcastReport] = []
                for frame in frames { reports.append(SessionManager.deliver(frame, to: batch.sessions)) }
                delivered += reports.map(\.delivered).min() ?? 0
            }
        }
        counters.deliveries.add(delivered, ordering: .relaxed)
        recordDeliveries(topic, delivered)
        return delivered
    }

    /// Publishes an `Encodable` value (see ``publish(_:_:to:)-(_,MsgPackValue,_)``).
    @discardableResult
    public func publish<Value: Encodable>(_ topic: String, _ value: Value, to audience: Audience = .everyone) throws -> Int {
        try publish(topic, try MsgPackEncoder().encodeToValue(value), to: audience)
    }
    /// The one frame carrying `envelope` to a 2.x client, when it fits in one chunk (almost
    /// every reply); `nil` otherwise (use ``frames(for:generation:)``).
    func singleFrame(for envelope: WSLinkEnvelope) -> Frame? {
        let value = envelope.value
        let size = value.encodedByteCount
        guard maxMessageSize == 0 || size + WSLinkChunkHeader.byteCount <= maxMessageSize else { return nil }
        var frame: [UInt8] = []
        frame.reserveCapacity(WSLinkChunkHeader.byteCount + size)
        WSLinkChunkHeader(id: WSLinkMessageIDs.next(), offset: 0, size: UInt32(size)).write(to: &frame)
        value.encode(into: &frame)
        return .binary(frame)
    }

    /// The frames carrying `envelope` to a client of `generation`.
    public func frames(for envelope: WSLinkEnvelope, generation: WSLinkGeneration) throws(WSLinkError) -> [Frame] {
        switch generation {
        case .v2:
            // One chunk (almost every message): encoded straight behind the header rather than
            // encoded and then copied into the chunk. Same bytes as the chunker's.
            if let frame = singleFrame(for: envelope) { return [frame] }
            return Self.chunkFrames(of: envelope.value, maxMessageSize: maxMessageSize)
        case .v1:
            return try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.serverStyle) {
                state.withLock { state in
                    defer { state.nextAttachmentKey += 1 }
                    return state.nextAttachmentKey
                }
            }
        }
    }

    /// The chunker's frames for a large value, encoded straight into the chunks: each byte of
    /// a large blob is copied once, into its chunk, rather than into one contiguous encoding of
    /// the whole message first (a 64 MiB result would cost a second 64 MiB buffer and copy).
    /// Same bytes as the chunker's.
    static func chunkFrames(of value: MsgPackValue, maxMessageSize: Int) -> [Frame] {
        let id = WSLinkMessageIDs.next()
        let total = value.encodedByteCount
        let content = max(maxMessageSize - WSLinkChunkHeader.byteCount, 1)
        var frames: [Frame] = []
        frames.reserveCapacity(total / content + 1)
        var chunk = ByteBuffer()
        var offset = 0
        func startChunk() {
            chunk = ByteBuffer()
            chunk.reserveCapacity(WSLinkChunkHeader.byteCount + min(content, total - offset))
            chunk.writeInteger(id, endianness: .little)
            chunk.writeInteger(UInt32(offset), endianness: .little)
            chunk.writeInteger(UInt32(total), endianness: .little)
        }
        startChunk()
        value.encode { piece in
            var rest = piece
            while !rest.isEmpty {
                let room = content - (chunk.readableBytes - WSLinkChunkHeader.byteCount)
                let take = min(room, rest.count)
                chunk.writeBytes(UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
                rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(take))
                offset += take
                if take == room, offset < total {
                    frames.append(.binary(chunk))
                    startChunk()
                }
            }
        }
        frames.append(.binary(chunk))
        return frames
    }

    /// Closes one client's connection (after what is already queued for it); returns whether
    /// the client was connected. Its in-flight calls are cancelled.
    @discardableResult
    public func disconnect(_ clientID: String, code: CloseCode = .goingAway, reason: String = "") -> Bool {
        let sessions = manager?.sessions(identity: clientID, adapter: adapter) ?? []
        for session in sessions { session.close(code: code, reason: reason) }
        return !sessions.isEmpty
    }

    /// Makes an authenticated session a client: its identity is the client id, its group the
    /// generation's. Called once per connection (a second hello does not register again).
    func register(_ session: Session, clientID: String, generation: WSLinkGeneration) {
        guard let manager = session.manager else { return }
        state.withLock { $0.manager = manager }
        manager.setIdentity(clientID, of: session)
        manager.join(session, group: group(generation))
        registerEveryTopic(session, generation: generation)
    }

    /// The session is gone (the manager forgets its identity and groups when it is removed).
    func unregister(_ session: Session) {
        _ = lastActive.compareExchange(expected: session.id.rawValue, desired: 0, ordering: .relaxed)
    }

    /// The connection id of the client that made the most recent call (0: none).
    var lastActiveConnection: UInt64 { lastActive.load(ordering: .relaxed) }

    func markActive(_ session: Session) {
        lastActive.store(session.id.rawValue, ordering: .relaxed)
    }
}
