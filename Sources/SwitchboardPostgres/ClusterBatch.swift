import SwitchboardCore

/// Messages that travel in one notification: `{"o": origin, "m": [{"t": topic, "b": body}, …]}`
/// (`Protocols.md` §8.2). A message too large to share a notification travels alone, as before
/// (`{"o", "t", "b"}`, or through the payload table).
struct ClusterBatch {
    /// In publish order.
    var messages: [ClusterMessage] = []
    /// Each message's entry, encoded once: measured for packing, then joined into the payload.
    private var entries: [String] = []
    private var bytes = 0

    /// Envelope bytes besides the entries: `{"o":"<node>","m":[]}` with a generous node id.
    static let overhead = 300

    /// `messages` in order, packed greedily into batches whose payload stays under `limit`.
    static func pack(_ messages: [ClusterMessage], limit: Int) -> [ClusterBatch] {
        var batches: [ClusterBatch] = []
        var current = ClusterBatch()
        for message in messages {
            let entry = JSONValue.object([.init(key: "t", value: .string(message.topic)), .init(key: "b", value: .string(message.body))]).encoded()
            let size = entry.utf8.count + 1
            if !current.messages.isEmpty, current.bytes + size + overhead > limit {
                batches.append(current)
                current = ClusterBatch()
            }
            current.messages.append(message)
            current.entries.append(entry)
            current.bytes += size
        }
        if !current.messages.isEmpty { batches.append(current) }
        return batches
    }

    /// The batch's notification payload; `nil` for a single message, which is sent in the
    /// one-message form (and through the payload table when it is too large).
    func payload(origin: String) -> String? {
        guard messages.count > 1 else { return nil }
        return #"{"o":"# + JSONValue.string(origin).encoded() + #","m":["# + entries.joined(separator: ",") + "]}"
    }
}
