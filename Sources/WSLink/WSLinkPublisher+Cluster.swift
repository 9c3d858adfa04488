public import SwitchboardCore
import MsgPack
import Foundation
import Logging
import Synchronization

extension WSLinkPublisher {
    /// The cluster topic of this publisher's adapter (`Protocols.md` §8.3).
    var clusterTopic: String { "wslink.publish.\(adapter)" }

    /// Joins a cluster: every publish to everyone also reaches the subscribers on every other
    /// node. With a standalone `InProcessBroker` nothing changes.
    public func attach(cluster broker: any Broker, sessions: SessionManager) {
        setManager(sessions)
        guard broker.isClustered else { return }
        self.broker.withLock { $0 = broker }
        broker.subscribe(clusterTopic) { [weak self] message in
            guard let self, let bytes = Data(base64Encoded: message.body),
                  let envelope = try? MsgPackValue(decoding: [UInt8](bytes)),
                  case .array(let parts) = envelope, parts.count == 2,
                  case .string(let topic) = parts[0] else { return }
            do {
                _ = try self.publishLocally(topic, parts[1], to: .everyone)
            } catch {
                self.logger.notice("cluster publish not delivered", metadata: ["topic": "\(topic)", "error": "\(error)"])
            }
        }
    }

    /// Sends a publish to the other nodes (no-op outside a cluster).
    func forwardToCluster(_ topic: String, _ value: MsgPackValue) {
        guard let broker = self.broker.withLock({ $0 }) else { return }
        let bytes = MsgPackValue.array([.string(topic), value]).encoded()
        broker.publish(topic: clusterTopic, body: Data(bytes).base64EncodedString())
    }
}
