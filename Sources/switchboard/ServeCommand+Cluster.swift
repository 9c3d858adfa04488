import ArgumentParser
import CrossComm
import Foundation
import Logging
import ServiceLifecycle
import Siyi
import SwitchboardCore
import SwitchboardPostgres
import WSLink

/// `serve --cluster postgres://… --node-id NAME`: this node joins a cluster through
/// PostgreSQL (`Protocols.md` §8). Without `--cluster` nothing changes.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("cluster"), help: "Join a cluster through PostgreSQL: postgres://user[:password]@host[:port][/database].")
    var url: String?

    @Option(name: .customLong("node-id"), help: "This node's name in the cluster (default: the host name and process id).")
    var nodeID: String?

    @Option(name: .customLong("cluster-heartbeat"), help: "Seconds between node heartbeats.")
    var heartbeat: Double = 1

    @Option(name: .customLong("cluster-node-timeout"), help: "Seconds without a heartbeat before a node is declared down.")
    var nodeTimeout: Double = 5

    func validate() throws {
        if url == nil, nodeID != nil { throw ValidationError("--node-id goes with --cluster") }
        if heartbeat <= 0 || nodeTimeout <= heartbeat { throw ValidationError("--cluster-node-timeout must exceed --cluster-heartbeat (> 0)") }
        if let url { _ = try configuration(url: url) }
    }

    func configuration(url: String) throws -> PostgresBrokerConfiguration {
        do {
            var configuration = try PostgresBrokerConfiguration(url: url, nodeID: nodeID ?? Self.defaultNodeID)
            configuration.heartbeatInterval = .milliseconds(Int64(heartbeat * 1000))
            configuration.nodeTimeout = .milliseconds(Int64(nodeTimeout * 1000))
            return configuration
        } catch {
            throw ValidationError(error.message)
        }
    }

    static var defaultNodeID: String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        return "\(String(decoding: name.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self))-\(getpid())"
    }

    /// Attaches every clusterable adapter to the broker; returns the broker's service (none
    /// without `--cluster`).
    func attach(_ adapters: [any ProtocolAdapter], sessions: SessionManager, logger: Logger) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let url else { return [] }
        let broker = PostgresBroker(configuration: try configuration(url: url), logger: logger)
        for adapter in adapters {
            switch adapter {
            case let hub as CrossCommHub: hub.attach(cluster: broker, sessions: sessions)
            case let wslink as WSLinkServerAdapter: wslink.publisher.attach(cluster: broker, sessions: sessions)
            case let siyi as SiyiServer: siyi.attach(cluster: broker)
            default: break
            }
        }
        return [.init(service: broker)]
    }
}
