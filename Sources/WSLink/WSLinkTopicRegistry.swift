/// Who listens to which topic on this node: the publisher's count of sessions that never
/// announced (they receive every topic) and, per topic, of the sessions that announced it and
/// the distinct filters they asked for. Pure; ``WSLinkPublisher`` keeps one under its lock.
///
/// Mutations return the listening changes of observed topics, in order, for the publisher to
/// hand to the observers (`WSLinkPublisher.observeListeners(of:_:)`).
struct WSLinkTopicRegistry {
    struct Topic {
        /// Sessions that announced the topic.
        var sessions = 0
        /// Sessions per filter (`nil`: the whole value).
        var filters: [WSLinkTopicFilter?: Int] = [:]
    }

    /// A topic gained its first listener (`true`) or lost its last (`false`).
    struct Change: Equatable {
        var topic: String
        var listening: Bool
    }

    private(set) var legacySessions = 0
    private(set) var topics: [String: Topic] = [:]
    /// Topics somebody observes, with how many observers each.
    private var observed: [String: Int] = [:]

    /// Whether anybody receives `topic`: a session that never announced, or one that announced it.
    func isListening(_ topic: String) -> Bool {
        legacySessions > 0 || (topics[topic]?.sessions ?? 0) > 0
    }

    /// The distinct filters announced for `topic`.
    func filters(of topic: String) -> [WSLinkTopicFilter?] {
        topics[topic].map { Array($0.filters.keys) } ?? []
    }

    mutating func observe(_ topic: String) { observed[topic, default: 0] += 1 }

    mutating func stopObserving(_ topic: String) {
        observed[topic, default: 1] -= 1
        if observed[topic] == 0 { observed[topic] = nil }
    }

    /// A session that receives every topic appeared (`delta` 1) or went (`-1`).
    mutating func addLegacy(_ delta: Int) -> [Change] {
        let before = observed.keys.filter(isListening)
        legacySessions += delta
        return changes(since: Set(before), among: observed.keys)
    }

    /// A session announced `topic` with `filter` (`delta` 1) or withdrew it (`-1`).
    mutating func add(_ topic: String, filter: WSLinkTopicFilter?, delta: Int) -> [Change] {
        let was = isListening(topic)
        var entry = topics[topic] ?? Topic()
        entry.sessions += delta
        entry.filters[filter, default: 0] += delta
        if entry.filters[filter] == 0 { entry.filters[filter] = nil }
        topics[topic] = entry.sessions > 0 ? entry : nil
        let now = isListening(topic)
        guard was != now, observed[topic] != nil else { return [] }
        return [Change(topic: topic, listening: now)]
    }

    private func changes(since before: Set<String>, among candidates: Dictionary<String, Int>.Keys) -> [Change] {
        candidates.sorted().compactMap { topic in
            let now = isListening(topic)
            return now == before.contains(topic) ? nil : Change(topic: topic, listening: now)
        }
    }
}
