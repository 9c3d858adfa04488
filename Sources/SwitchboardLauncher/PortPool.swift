/// The launcher's host/port pool, handing out ports the way wslink's `ResourceManager` does:
/// the host with the most free ports wins, its last free port is taken, and a freed port goes
/// to the end of its host's list (so it is the next one handed out).
///
/// ```swift
/// var pool = PortPool([.init(host: "localhost", ports: 9001...9002)])
/// pool.take()   // ("localhost", 9002)
/// pool.take()   // ("localhost", 9001)
/// pool.take()   // nil
/// ```
public struct PortPool: Sendable, Equatable {
    private var hosts: [(host: String, available: [Int], used: [Int])] = []

    /// Creates a pool from the configuration's `resources`.
    public init(_ resources: [LauncherConfiguration.Resource]) {
        for resource in resources {
            if let index = hosts.firstIndex(where: { $0.host == resource.host }) {
                hosts[index].available.append(contentsOf: resource.ports)
            } else {
                hosts.append((resource.host, Array(resource.ports), []))
            }
        }
    }

    /// Reserves a port, or returns nil when every port is taken.
    public mutating func take() -> (host: String, port: Int)? {
        var winner: Int?
        for index in hosts.indices where hosts[index].available.count > (winner.map { hosts[$0].available.count } ?? 0) {
            winner = index
        }
        guard let winner, let port = hosts[winner].available.popLast() else { return nil }
        hosts[winner].used.append(port)
        return (hosts[winner].host, port)
    }

    /// Returns a reserved port to the pool (ignored when it is not reserved).
    public mutating func free(host: String, port: Int) {
        guard let index = hosts.firstIndex(where: { $0.host == host }),
            let position = hosts[index].used.firstIndex(of: port)
        else { return }
        hosts[index].used.remove(at: position)
        hosts[index].available.append(port)
    }

    /// Number of free ports over all hosts.
    public var availableCount: Int { hosts.reduce(0) { $0 + $1.available.count } }

    /// Same hosts with the same free and reserved ports, in the same order.
    public static func == (lhs: PortPool, rhs: PortPool) -> Bool {
        lhs.hosts.elementsEqual(rhs.hosts) { $0.host == $1.host && $0.available == $1.available && $0.used == $1.used }
    }
}
