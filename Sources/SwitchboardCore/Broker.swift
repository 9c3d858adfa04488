import Synchronization

/// One message between cluster nodes: a topic, the node that published it and a text body
/// (each protocol encodes its own body; see `Protocols.md` §8).
public struct ClusterMessage: Sendable, Hashable {
    /// What the message is about, e.g. `crosscomm.message`; subscribers match it exactly.
    public var topic: String
    /// The node that published it.
    public var origin: String
    /// The protocol's encoding of the message.
    public var body: String

    /// Creates a message.
    public init(topic: String, origin: String, body: String) {
        self.topic = topic
        self.origin = origin
        self.body = body
    }
}

/// The seam through which the session layer exchanges traffic with the other nodes of a
/// cluster (ARCHITECTURE.md §3 "Broker").
///
/// Local delivery never goes through the broker: a protocol delivers to its own sessions
/// first, then ``publish(topic:body:)``s what other nodes must see. A broker never hands a
/// node its own messages back. ``publish(topic:body:)`` never blocks (I/O happens off the
/// event loop), and handlers run off the event loop; they deliver through
/// ``SessionManager/deliver(_:to:)``, which is thread-safe.
///
/// ```swift
/// broker.subscribe("crosscomm.message") { message in hub.receiveFromCluster(message) }
/// broker.publish(topic: "crosscomm.message", body: text)
/// ```
public protocol Broker: AnyObject, Sendable {
    /// This node's name, unique in the cluster.
    var nodeID: String { get }
    /// Sends `body` to every other node's subscribers of `topic`, without waiting.
    func publish(topic: String, body: String)
    /// Calls `handler` for every message on `topic` from another node.
    func subscribe(_ topic: String, _ handler: @escaping @Sendable (ClusterMessage) -> Void)
}

extension Broker {
    /// Whether there may be other nodes (false for a standalone ``InProcessBroker``).
    public var isClustered: Bool { (self as? InProcessBroker)?.bus.isSolitary != true }
}

/// Topics every broker itself publishes.
public enum ClusterTopic {
    /// Body: the id of a node whose heartbeats stopped (it is gone; forget its state).
    public static let nodeDown = "cluster.node-down"
    /// Body: the id of a node that (re)joined the cluster (send it what it must know).
    public static let nodeUp = "cluster.node-up"
}

/// The in-process broker: the default, a cluster of one (nothing crosses, a single node
/// behaves exactly as without a broker). Several brokers sharing one ``Bus`` form a cluster
/// inside one process, which tests use.
public final class InProcessBroker: Broker {
    /// The in-process wire several nodes share.
    public final class Bus: Sendable {
        private let nodes = Mutex<[InProcessBroker.Weak]>([])
        let solitary: Bool

        /// A bus for several in-process nodes.
        public init() { solitary = false }

        init(solitary: Bool) { self.solitary = solitary }

        var isSolitary: Bool { solitary }

        func attach(_ broker: InProcessBroker) {
            nodes.withLock { $0.append(Weak(broker: broker)) }
        }

        func send(_ message: ClusterMessage) {
            let targets = nodes.withLock { $0.compactMap(\.broker) }
            for target in targets where target.nodeID != message.origin { target.receive(message) }
        }

        /// Tells every other node that `nodeID` is gone (what heartbeats detect in PostgreSQL).
        public func declareDown(_ nodeID: String) {
            send(ClusterMessage(topic: ClusterTopic.nodeDown, origin: nodeID, body: nodeID))
        }
    }

    struct Weak: Sendable {
        weak var broker: InProcessBroker?
    }

    public let nodeID: String
    let bus: Bus
    private let subscriptions = BrokerSubscriptions()

    /// A standalone node (the default of every protocol).
    public convenience init() {
        self.init(nodeID: "local", bus: Bus(solitary: true))
    }

    /// A node on `bus`.
    public init(nodeID: String, bus: Bus) {
        self.nodeID = nodeID
        self.bus = bus
        bus.attach(self)
    }

    public func publish(topic: String, body: String) {
        guard !bus.isSolitary else { return }
        bus.send(ClusterMessage(topic: topic, origin: nodeID, body: body))
    }

    public func subscribe(_ topic: String, _ handler: @escaping @Sendable (ClusterMessage) -> Void) {
        subscriptions.add(topic, handler)
    }

    func receive(_ message: ClusterMessage) {
        subscriptions.dispatch(message)
    }
}

/// Subscribers of a broker, by topic: what every ``Broker`` implementation keeps.
public final class BrokerSubscriptions: Sendable {
    private let handlers = Mutex<[String: [@Sendable (ClusterMessage) -> Void]]>([:])

    /// No subscriptions.
    public init() {}

    /// Adds a handler.
    public func add(_ topic: String, _ handler: @escaping @Sendable (ClusterMessage) -> Void) {
        handlers.withLock { $0[topic, default: []].append(handler) }
    }

    /// Calls the handlers of `message.topic`.
    public func dispatch(_ message: ClusterMessage) {
        let matching = handlers.withLock { $0[message.topic] ?? [] }
        for handler in matching { handler(message) }
    }
}
