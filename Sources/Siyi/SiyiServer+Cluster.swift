public import SwitchboardCore
import Synchronization

extension SiyiServer {
    /// The cluster topic of `broadcast(event:)` (`Protocols.md` §8.3).
    static let clusterEventTopic = "siyi.event"

    /// Joins a cluster: ``broadcast(event:data:excluding:)`` also reaches the peers of every
    /// other node (the same event id everywhere). With a standalone `InProcessBroker`
    /// nothing changes.
    public func attach(cluster broker: any Broker) {
        guard broker.isClustered else { return }
        self.broker.withLock { $0 = broker }
        broker.subscribe(Self.clusterEventTopic) { [weak self] message in
            guard let self else { return }
            _ = SessionManager.deliver(.text(message.body), to: self.members(excluding: []).map(\.session))
        }
    }

    /// Sends an event frame to the other nodes (no-op outside a cluster).
    func forwardToCluster(_ frame: Frame) {
        guard let broker = self.broker.withLock({ $0 }), case .text(let text) = frame else { return }
        broker.publish(topic: Self.clusterEventTopic, body: text)
    }
}
