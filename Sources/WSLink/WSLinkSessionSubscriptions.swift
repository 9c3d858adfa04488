/// One connection's announced subscriptions (the `wslink.subscribe` extension, `Protocols.md`
/// §4): whether it announced at all — a connection that never did receives every topic, as
/// with the Python server — and which topics with which filters. Pure; the connection handler
/// keeps one and tells the publisher what changed.
struct WSLinkSessionSubscriptions {
    /// Most topics one connection may announce (more are refused with −32602).
    static let maxTopics = 1024

    /// What a subscribe or unsubscribe changed.
    enum Change: Equatable {
        /// Nothing (an unsubscribe of a topic never announced, or the same subscription again).
        case none
        /// The topic was added; `first` when this is the connection's first announcement
        /// (it stops receiving every topic).
        case added(filter: WSLinkTopicFilter?, first: Bool)
        /// The topic's filter changed.
        case refiltered(from: WSLinkTopicFilter?, to: WSLinkTopicFilter?)
        /// The topic was removed.
        case removed(filter: WSLinkTopicFilter?)
        /// Refused: the connection already announced ``maxTopics`` topics.
        case tooMany
    }

    /// Whether the connection announced at least once.
    private(set) var hasAnnounced = false
    /// Announced topics and their filters.
    private(set) var topics: [String: WSLinkTopicFilter?] = [:]

    mutating func subscribe(_ topic: String, filter: WSLinkTopicFilter?) -> Change {
        if let existing = topics[topic] {
            guard existing != filter else { return .none }
            topics[topic] = filter
            return .refiltered(from: existing, to: filter)
        }
        guard topics.count < Self.maxTopics else { return .tooMany }
        let first = !hasAnnounced
        hasAnnounced = true
        topics[topic] = filter
        return .added(filter: filter, first: first)
    }

    mutating func unsubscribe(_ topic: String) -> Change {
        guard let existing = topics.removeValue(forKey: topic) else { return .none }
        return .removed(filter: existing)
    }
}
