import DequeModule
import SwitchboardCore

extension CrossCommHubStateMachine {
    /// Keeps `change` for the store (nothing without one).
    mutating func persist(_ change: CrossCommStateChange) {
        if isPersistent { storeChanges.append(change) }
    }

    /// Keeps the current row of client `id`.
    mutating func persistClient(_ id: String) {
        guard isPersistent, let record = clients[id] else { return }
        persist(.client(CrossCommStoredClient(id: id, sequence: takeSequence(), lastHeartbeat: record.lastHeartbeat, loginTime: record.loginTime)))
    }

    /// A fresh sequence number for the store.
    mutating func takeSequence() -> Int64 {
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// The changes since the last call, oldest first.
    public mutating func takeStoreChanges() -> [CrossCommStateChange] {
        guard !storeChanges.isEmpty else { return [] }
        defer { storeChanges.removeAll(keepingCapacity: true) }
        return storeChanges
    }

    /// Loads what a store kept and turns persistence on. Clients come back offline, in their
    /// first-login order; queued messages keep their age (a message older than the queue's
    /// `maxAge` by now is discarded, and so is every message when this hub queues none).
    /// Changes the restore implies (discarded messages, clients beyond the table's bound) are
    /// left for ``takeStoreChanges()``.
    ///
    /// - Parameters:
    ///   - snapshot: The store's content.
    ///   - now: The monotonic instant the ages are measured against.
    ///   - wall: Epoch seconds at `now`.
    public mutating func restore(_ snapshot: CrossCommStateSnapshot, now: ContinuousClock.Instant, wall: Double) {
        isPersistent = true
        let highest = (snapshot.clients.map(\.sequence) + snapshot.messages.map(\.sequence)).max() ?? 0
        nextSequence = max(nextSequence, highest + 1)
        for stored in snapshot.clients.sorted(by: { $0.sequence < $1.sequence }) where clients[stored.id] == nil {
            order.append(stored.id)
            clients[stored.id] = ClientRecord(
                id: stored.id, connection: nil, lastHeartbeat: stored.lastHeartbeat, loginTime: stored.loginTime, offlineSince: now
            )
        }
        pruneOfflineClients(now: now)
        var discarded: [Int64] = []
        for stored in snapshot.messages.sorted(by: { $0.sequence < $1.sequence }) {
            let age = Duration.milliseconds(Int64(max(0, wall - stored.queuedAt) * 1000))
            guard let policy = configuration.offlineQueue, age <= policy.maxAge,
                  let message = try? CrossCommMessage(decoding: .text(stored.text), maxBytes: .max) else {
                discarded.append(stored.sequence)
                continue
            }
            if offline[stored.target] == nil {
                guard offlineOrder.count < policy.maxClients else {
                    discarded.append(stored.sequence)
                    continue
                }
                offlineOrder.append(stored.target)
            }
            offline[stored.target, default: []].append(Queued(message: message, queuedAt: now - age, sequence: stored.sequence))
            if let overflow = offline[stored.target].map({ $0.count - policy.maxMessagesPerClient }), overflow > 0 {
                discarded += offline[stored.target]!.prefix(overflow).map(\.sequence)
                offline[stored.target]!.removeFirst(overflow)
            }
        }
        if !discarded.isEmpty { persist(.unqueued(sequences: discarded)) }
    }

    /// Messages waiting in the offline queue, by target.
    public var queuedCounts: [String: Int] { offline.mapValues(\.count) }
}
