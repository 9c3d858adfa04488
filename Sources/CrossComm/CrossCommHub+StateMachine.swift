import DequeModule
public import SwitchboardCore

/// The hub's routing state: which client id is bound to which connection, who is online, the
/// offline queue and the counters. Pure: every input returns the actions the shell
/// (``CrossCommHub``) must execute, and time is a parameter (`wall` is epoch seconds for the
/// wire, `now` a monotonic instant for ages).
public struct CrossCommHubStateMachine: Sendable {
    /// What the shell must do.
    public enum Action: Sendable, Hashable {
        /// Send on the connection the input arrived on, waiting if its queue is full.
        case reply(CrossCommMessage)
        /// Queue one frame for each connection without waiting (forwarding, broadcasts).
        case deliver(CrossCommMessage, to: [ConnectionID])
        /// Close a connection.
        case close(ConnectionID, CloseCode, reason: String)
        /// Hand an accepted data message to the server-side listeners.
        case notifyListeners(CrossCommMessage)
        /// The input was refused; log it once.
        case drop(DropReason)
        /// Tell the other nodes of the cluster (only when ``isClustered``; see `CrossCommHub+Cluster.swift`).
        case cluster(ClusterEvent)
    }

    /// Why an input was refused.
    public enum DropReason: Sendable, Hashable, CustomStringConvertible {
        /// A data message or logout on a connection that never logged in.
        case notLoggedIn(type: CrossCommMessageType)
        /// `from_client_id` is not the id this connection logged in with.
        case spoofedSender(claimed: String, loggedInAs: String)
        /// `login_response` / `list_clients_response` sent by a client.
        case serverOriginatedType(CrossCommMessageType)
        /// The target is not online (and the message was not queued).
        case targetOffline(String)
        /// A login with an id no client may take (`all`, `server`, empty).
        case reservedID(String)

        /// A one-line explanation for logs.
        public var description: String {
            switch self {
            case .notLoggedIn(let type): "\(type.rawValue) from a connection that has not logged in"
            case .spoofedSender(let claimed, let actual): "from_client_id \(CrossCommMessage.quoted(claimed)) on a connection logged in as \(CrossCommMessage.quoted(actual))"
            case .serverOriginatedType(let type): "\(type.rawValue) may only be sent by the server"
            case .targetOffline(let target): "target \(CrossCommMessage.quoted(target)) is not online"
            case .reservedID(let id): "client id \(CrossCommMessage.quoted(id)) is reserved"
            }
        }
    }

    /// One row of the client table.
    public struct ClientRecord: Sendable, Hashable {
        /// The client id.
        public var id: String
        /// The connection it is bound to while online.
        public var connection: ConnectionID?
        /// The other cluster node it is online on (nil: this node).
        public var node: String? = nil
        /// Whether messages are routed to it.
        public var isOnline: Bool { connection != nil || node != nil }
        /// Epoch seconds of the last heartbeat (or login).
        public var lastHeartbeat: Double
        /// Epoch seconds of the last login.
        public var loginTime: Double?
        /// When it went offline, for pruning.
        var offlineSince: ContinuousClock.Instant?
    }

    struct Queued: Sendable, Hashable {
        var message: CrossCommMessage
        var queuedAt: ContinuousClock.Instant
        /// Its key in a ``CrossCommStateStore``.
        var sequence: Int64 = 0
    }

    /// The configuration in force.
    public let configuration: CrossCommHub.Configuration
    /// The id that prefixes the hub's own `msg_id`s (pywayne uses its random client id).
    public let serverID: String
    /// Counters.
    public internal(set) var statistics = CrossCommHub.Statistics()

    var clients: [String: ClientRecord] = [:]
    var order: [String] = []
    var bindings: [ConnectionID: String] = [:]
    var offline: [String: [Queued]] = [:]
    var offlineOrder: Deque<String> = []
    /// Whether other nodes exist: routing then considers ``remote`` clients and emits ``Action/cluster(_:)``.
    public var isClustered = false
    /// Clients online on other nodes, by id.
    public internal(set) var remote: [String: RemoteClient] = [:]
    var clusterEvents: [ClusterEvent] = []
    /// Whether changes are kept for a ``CrossCommStateStore`` (see `CrossCommHubStateMachine+Persistence.swift`).
    public var isPersistent = false
    /// Changes not yet taken by the hub.
    var storeChanges: [CrossCommStateChange] = []
    /// The next client or message sequence for the store.
    var nextSequence: Int64 = 1

    /// Creates an empty table.
    public init(configuration: CrossCommHub.Configuration, serverID: String = CrossCommIDs.defaultClientID()) {
        self.configuration = configuration
        self.serverID = serverID
    }

    /// The client table in first-login order.
    public var records: [ClientRecord] { order.compactMap { clients[$0] } }

    /// Online client ids in first-login order.
    public var onlineClients: [String] { records.filter(\.isOnline).map(\.id) }

    /// The id a connection is logged in as.
    public func clientID(of connection: ConnectionID) -> String? { bindings[connection] }

    /// Counts a frame that failed to decode.
    public mutating func recordInvalid() { statistics.invalid += 1 }

    /// Counts a connection closed for an oversized message.
    public mutating func recordOversized() { statistics.oversized += 1 }

    /// Handles a decoded message from `connection`.
    public mutating func receive(
        _ message: CrossCommMessage,
        on connection: ConnectionID,
        wall: Double,
        now: ContinuousClock.Instant
    ) -> [Action] {
        statistics.received += 1
        switch message.type {
        case .login:
            return login(message.from, on: connection, wall: wall, now: now)
        case .heartbeat:
            // Liveness follows the connection's login, never the claimed sender (as pywayne).
            if let id = bindings[connection] { clients[id]?.lastHeartbeat = wall }
            return []
        case .logout:
            guard let id = bindings[connection] else { return [.drop(.notLoggedIn(type: .logout))] }
            setOffline(id, connection: connection, now: now)
            return takeClusterEvents([])
        case .listClients:
            return [.reply(listClientsResponse(to: message.from, onlyOnline: Self.onlyOnline(message.content), wall: wall))]
        case .loginResponse, .listClientsResponse:
            statistics.spoofed += 1
            return [.drop(.serverOriginatedType(message.type))]
        default:
            guard let id = bindings[connection] else {
                statistics.notLoggedIn += 1
                return [.drop(.notLoggedIn(type: message.type))]
            }
            guard message.from == id else {
                statistics.spoofed += 1
                return [.drop(.spoofedSender(claimed: message.from, loggedInAs: id))]
            }
            return route(message, now: now) + [.notifyListeners(message)]
        }
    }

    /// A message the hub itself sends (server-side `send`/`broadcast`).
    public mutating func send(_ message: CrossCommMessage, now: ContinuousClock.Instant) -> [Action] {
        route(message, now: now)
    }

    /// The connection ended: its client (if this is still its current connection) goes offline.
    public mutating func connectionClosed(_ connection: ConnectionID, now: ContinuousClock.Instant) -> [Action] {
        if let id = bindings[connection] { setOffline(id, connection: connection, now: now) }
        return takeClusterEvents([])
    }

    /// The connection was silent too long: close it; its client goes offline at once.
    public mutating func heartbeatExpired(_ connection: ConnectionID, now: ContinuousClock.Instant) -> [Action] {
        statistics.heartbeatTimeouts += 1
        if let id = bindings[connection] { setOffline(id, connection: connection, now: now) }
        return takeClusterEvents([.close(connection, .heartbeatTimeout, reason: "no heartbeat within \(configuration.heartbeat.deadline)")])
    }

    // MARK: - Login

    private mutating func login(_ id: String, on connection: ConnectionID, wall: Double, now: ContinuousClock.Instant) -> [Action] {
        guard !id.isEmpty, id != CrossCommMessage.everyone, id != CrossCommMessage.server else {
            return [.drop(.reservedID(id)), .close(connection, .policyViolation, reason: "client id \(CrossCommMessage.quoted(id)) is reserved")]
        }
        var actions: [Action] = []
        // Re-login on the same socket under a new id releases the old id (pywayne leaves it online: B14).
        if let previous = bindings[connection], previous != id { setOffline(previous, connection: connection, now: now) }
        // Duplicate login: the newer connection wins and the older is told why (pywayne: B2).
        if let older = clients[id]?.connection, older != connection {
            bindings[older] = nil
            statistics.replaced += 1
            actions.append(.close(older, .replaced, reason: "client id \(CrossCommMessage.quoted(id)) logged in on another connection"))
        }
        if clients[id] == nil { order.append(id) }
        clients[id] = ClientRecord(id: id, connection: connection, lastHeartbeat: wall, loginTime: wall, offlineSince: nil)
        bindings[connection] = id
        persistClient(id)
        if isClustered {
            remote[id] = nil
            clusterEvents.append(.online(id: id, loginTime: wall))
        }
        actions.append(.reply(CrossCommMessage(
            type: .loginResponse,
            content: .object([.init(key: "status", value: .string("success"))]),
            from: CrossCommMessage.server,
            to: id,
            id: CrossCommIDs.messageID(sender: serverID, at: wall),
            timestamp: wall
        )))
        let waiting = takeQueued(for: id, now: now)
        if !waiting.isEmpty {
            statistics.deliveredFromQueue += waiting.count
            actions.append(contentsOf: waiting.map { .deliver($0, to: [connection]) })
        }
        return takeClusterEvents(actions)
    }

    private mutating func setOffline(_ id: String, connection: ConnectionID, now: ContinuousClock.Instant) {
        bindings[connection] = nil
        // Only the client's current connection decides its status (pywayne: B2).
        guard clients[id]?.connection == connection else { return }
        clients[id]?.connection = nil
        clients[id]?.offlineSince = now
        persistClient(id)
        if isClustered { clusterEvents.append(.offline(id: id)) }
        pruneOfflineClients(now: now)
    }

    mutating func pruneOfflineClients(now: ContinuousClock.Instant) {
        let offlineIDs = order.filter { clients[$0]?.isOnline == false }
        let excess = offlineIDs.count - configuration.maxOfflineClients
        guard excess > 0 else { return }
        let forgotten = Set(offlineIDs.sorted { (clients[$0]?.offlineSince ?? now) < (clients[$1]?.offlineSince ?? now) }.prefix(excess))
        order.removeAll { forgotten.contains($0) }
        for id in forgotten {
            clients[id] = nil
            persist(.clientForgotten(id: id))
        }
    }

    // MARK: - Routing

    mutating func route(_ message: CrossCommMessage, now: ContinuousClock.Instant) -> [Action] {
        switch message.to {
        case CrossCommMessage.everyone:
            let targets = order.compactMap { id -> ConnectionID? in
                guard id != message.from else { return nil }
                return clients[id]?.connection
            }
            statistics.forwarded += targets.count
            let local: [Action] = targets.isEmpty ? [] : [.deliver(message, to: targets)]
            return isClustered ? local + [.cluster(.forward(message, node: nil))] : local
        case CrossCommMessage.server:
            return []
        case let target:
            if let connection = clients[target]?.connection {
                statistics.forwarded += 1
                return [.deliver(message, to: [connection])]
            }
            if isClustered, let elsewhere = remote[target] {
                statistics.forwarded += 1
                return [.cluster(.forward(message, node: elsewhere.node))]
            }
            statistics.undeliverable += 1
            if enqueue(message, for: target, now: now) { return [] }
            return [.drop(.targetOffline(target))]
        }
    }

    // MARK: - Offline queue

    mutating func enqueue(_ message: CrossCommMessage, for target: String, now: ContinuousClock.Instant) -> Bool {
        guard let policy = configuration.offlineQueue else { return false }
        if offline[target] == nil {
            if offlineOrder.count >= policy.maxClients {
                let evicted = offlineOrder.removeFirst()
                statistics.discardedFromQueue += offline.removeValue(forKey: evicted)?.count ?? 0
                persist(.queueCleared(target: evicted))
            }
            offlineOrder.append(target)
        }
        var queue = offline[target, default: []]
        // Only a store needs to know which messages went (the common case keeps no list).
        var discarded = isPersistent ? queue.filter { now - $0.queuedAt > policy.maxAge }.map(\.sequence) : []
        queue.removeAll { now - $0.queuedAt > policy.maxAge }
        let queued = Queued(message: message, queuedAt: now, sequence: takeSequence())
        queue.append(queued)
        let overflow = queue.count - policy.maxMessagesPerClient
        if overflow > 0 {
            if isPersistent { discarded += queue.prefix(overflow).map(\.sequence) }
            queue.removeFirst(overflow)
        }
        statistics.discardedFromQueue += max(0, overflow)
        offline[target] = queue
        if isPersistent {
            if !discarded.isEmpty { persist(.unqueued(sequences: discarded)) }
            // The newest message is never the one dropped (at least one is kept per client).
            persist(.queued(CrossCommStoredMessage(sequence: queued.sequence, target: target, text: message.encoded, queuedAt: 0)))
        }
        statistics.queuedOffline += 1
        return true
    }

    mutating func takeQueued(for id: String, now: ContinuousClock.Instant) -> [CrossCommMessage] {
        guard let policy = configuration.offlineQueue, let queue = offline.removeValue(forKey: id) else { return [] }
        offlineOrder.removeAll { $0 == id }
        persist(.queueCleared(target: id))
        let fresh = queue.filter { now - $0.queuedAt <= policy.maxAge }
        statistics.discardedFromQueue += queue.count - fresh.count
        return fresh.map(\.message)
    }

    // MARK: - list_clients

    /// pywayne reads `only_show_online` from a JSON-string or object content; anything else
    /// (missing, empty, unparsable) means false.
    static func onlyOnline(_ content: JSONValue) -> Bool {
        let options: JSONValue? = switch content {
        case .string(let text): try? JSONValue(parsing: text)
        case .object: content
        default: nil
        }
        guard let flag = options?["only_show_online"] else { return false }
        switch flag {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .string(let value): return !value.isEmpty
        default: return false
        }
    }

    /// The `list_clients_response` for `requester`: routing status (pywayne reports heartbeat
    /// age instead: B4), entries in first-login order, content double-encoded.
    public func listClientsResponse(to requester: String, onlyOnline: Bool, wall: Double, id: String = CrossCommIDs.uuid()) -> CrossCommMessage {
        let rows = clusterRecords.filter { !onlyOnline || $0.isOnline }.map { record -> JSONValue in
            .object([
                .init(key: "client_id", value: .string(record.id)),
                .init(key: "status", value: .string(record.isOnline ? "online" : "offline")),
                .init(key: "last_heartbeat", value: .double(record.lastHeartbeat)),
                .init(key: "login_time", value: record.loginTime.map(JSONValue.double) ?? .null),
            ])
        }
        let table: JSONValue = .object([
            .init(key: "clients", value: .array(rows)),
            .init(key: "total_count", value: .integer(Int64(rows.count))),
            .init(key: "only_show_online", value: .bool(onlyOnline)),
        ])
        return CrossCommMessage(
            type: .listClientsResponse,
            content: .string(table.encoded(.python)),
            from: CrossCommMessage.server,
            to: requester,
            id: id,
            timestamp: wall
        )
    }
}
