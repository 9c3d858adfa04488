import SwitchboardCore

extension CrossCommHubStateMachine {
    /// What the other nodes of a cluster must learn (`Protocols.md` §8.3).
    public enum ClusterEvent: Sendable, Hashable {
        /// Deliver a message on `node` (nil: every node, a broadcast).
        case forward(CrossCommMessage, node: String?)
        /// A client logged in here (newer login wins cluster-wide).
        case online(id: String, loginTime: Double)
        /// A client here went offline.
        case offline(id: String)
    }

    /// A client online on another node.
    public struct RemoteClient: Sendable, Hashable {
        /// The node it is connected to.
        public var node: String
        /// Epoch seconds of its login.
        public var loginTime: Double
    }

    /// `actions` followed by the cluster events inputs queued.
    mutating func takeClusterEvents(_ actions: [Action]) -> [Action] {
        guard !clusterEvents.isEmpty else { return actions }
        defer { clusterEvents = [] }
        return actions + clusterEvents.map(Action.cluster)
    }

    /// The client table `list_clients` reports: this node's alone, or in a cluster this node's
    /// plus the other nodes' online clients, ordered by login time.
    var clusterRecords: [ClientRecord] {
        guard isClustered else { return records }
        let local = records.filter { remote[$0.id] == nil }
        let others = remote.map { id, client in
            ClientRecord(id: id, connection: nil, node: client.node, lastHeartbeat: client.loginTime, loginTime: client.loginTime, offlineSince: nil)
        }
        return (local + others).sorted { ($0.loginTime ?? 0, $0.id) < ($1.loginTime ?? 0, $1.id) }
    }

    /// A message another node forwarded here: delivered to this node's clients only (queued
    /// offline here when its target left meanwhile).
    public mutating func receiveFromCluster(_ message: CrossCommMessage, now: ContinuousClock.Instant) -> [Action] {
        let clustered = isClustered
        isClustered = false
        defer { isClustered = clustered }
        return route(message, now: now)
    }

    /// `id` logged in on `node`. A login here that is older loses: its connection is closed
    /// (as a duplicate login on one node). Messages queued here for `id` follow it.
    public mutating func remoteOnline(_ id: String, node: String, loginTime: Double, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        if let local = clients[id], let connection = local.connection {
            guard (local.loginTime ?? 0) <= loginTime else { return [] }
            bindings[connection] = nil
            clients[id]?.connection = nil
            clients[id]?.offlineSince = now
            statistics.replaced += 1
            actions.append(.close(connection, .replaced, reason: "client id \(CrossCommMessage.quoted(id)) logged in on node \(CrossCommMessage.quoted(node))"))
        }
        remote[id] = RemoteClient(node: node, loginTime: loginTime)
        for message in takeQueued(for: id, now: now) {
            actions.append(.cluster(.forward(message, node: node)))
        }
        return actions
    }

    /// `id` went offline on `node`.
    public mutating func remoteOffline(_ id: String, node: String) {
        if remote[id]?.node == node { remote[id] = nil }
    }

    /// `node` is gone: its clients are offline.
    public mutating func nodeDown(_ node: String) {
        remote = remote.filter { $0.value.node != node }
    }

    /// Announcements of every client online here (for a node that just joined).
    public var announcements: [ClusterEvent] {
        records.compactMap { record in
            guard record.connection != nil else { return nil }
            return .online(id: record.id, loginTime: record.loginTime ?? record.lastHeartbeat)
        }
    }
}

extension CrossCommHubStateMachine {
    /// Client ids online anywhere in the cluster, in `list_clients` order.
    public var clusterOnline: [String] { clusterRecords.filter(\.isOnline).map(\.id) }
}
