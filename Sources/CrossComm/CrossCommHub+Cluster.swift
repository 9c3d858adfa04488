public import SwitchboardCore
import Logging
import Synchronization

extension CrossCommHub {
    /// Cluster topics of the hub (`Protocols.md` §8.3).
    enum Topic {
        static let message = "crosscomm.message"
        static let online = "crosscomm.online"
        static let offline = "crosscomm.offline"
    }

    /// Joins a cluster: directed messages reach clients on any node, broadcasts every node,
    /// `list_clients` lists the whole cluster and a login on another node replaces an older
    /// one here. Call once, before serving. With a standalone `InProcessBroker` nothing changes.
    public func attach(cluster broker: any Broker, sessions: SessionManager) {
        manager.withLock { $0 = sessions }
        guard broker.isClustered else { return }
        self.broker.withLock { $0 = broker }
        state.withLock { $0.isClustered = true }
        let node = broker.nodeID
        broker.subscribe(Topic.message) { [weak self] message in
            guard let self, let body = try? JSONValue(parsing: message.body) else { return }
            if let target = body["node"]?.stringValue, target != node { return }
            guard let text = body["message"]?.stringValue,
                  let decoded = try? CrossCommMessage(decoding: .text(text), maxBytes: .max) else { return }
            self.execute(self.mutate { $0.receiveFromCluster(decoded, now: .now) }, origin: nil)
        }
        broker.subscribe(Topic.online) { [weak self] message in
            guard let self, let body = try? JSONValue(parsing: message.body), let id = body["id"]?.stringValue else { return }
            let login = body["login_time"]?.doubleValue ?? 0
            self.execute(self.mutate { $0.remoteOnline(id, node: message.origin, loginTime: login, now: .now) }, origin: nil)
        }
        broker.subscribe(Topic.offline) { [weak self] message in
            guard let self, let body = try? JSONValue(parsing: message.body), let id = body["id"]?.stringValue else { return }
            self.state.withLock { $0.remoteOffline(id, node: message.origin) }
        }
        broker.subscribe(ClusterTopic.nodeDown) { [weak self] message in
            guard let self else { return }
            self.logger.notice("cluster node down: its crosscomm clients are offline", metadata: ["node": "\(message.body)"])
            self.state.withLock { $0.nodeDown(message.body) }
        }
        broker.subscribe(ClusterTopic.nodeUp) { [weak self] _ in
            guard let self else { return }
            for event in self.state.withLock({ $0.announcements }) { self.publish(event) }
        }
    }

    /// Publishes one cluster event (no-op outside a cluster).
    func publish(_ event: CrossCommHubStateMachine.ClusterEvent) {
        guard let broker = self.broker.withLock({ $0 }) else { return }
        switch event {
        case .forward(let message, let node):
            let body: JSONValue = .object([
                .init(key: "node", value: node.map(JSONValue.string) ?? .null),
                .init(key: "message", value: .string(message.encoded)),
            ])
            broker.publish(topic: Topic.message, body: body.encoded())
        case .online(let id, let loginTime):
            let body: JSONValue = .object([.init(key: "id", value: .string(id)), .init(key: "login_time", value: .double(loginTime))])
            broker.publish(topic: Topic.online, body: body.encoded())
        case .offline(let id):
            broker.publish(topic: Topic.offline, body: JSONValue.object([.init(key: "id", value: .string(id))]).encoded())
        }
    }
}
