import DequeModule
import SwitchboardCore
import Synchronization

/// The publisher's side of announced subscriptions (`Protocols.md` §4, "Subscriptions"): the
/// listener registry, the observers of listening changes, and the session-manager groups a
/// publish is fanned out through.
extension WSLinkPublisher {
    /// Stops one ``WSLinkPublisher/observeListeners(of:_:)`` observation when cancelled.
    public struct ListenerObservation: Sendable {
        let cancelAction: @Sendable () -> Void

        /// Stops the observation; the handler is not called afterwards (a call already under
        /// way may still finish).
        public func cancel() { cancelAction() }
    }

    struct TopicState {
        var registry = WSLinkTopicRegistry()
        var observers: [Int: (topic: String, handler: @Sendable (Bool) -> Void)] = [:]
        var nextObserver = 0
        var pending: Deque<(handler: @Sendable (Bool) -> Void, listening: Bool)> = []
        var delivering = false
    }

    /// The group of a generation's sessions that never announced a subscription (they receive
    /// every topic, as with the Python server).
    func everyTopicGroup(_ generation: WSLinkGeneration) -> String {
        "\(group(generation)).every-topic"
    }

    /// The group of a generation's sessions that announced `topic` with `filter`.
    func topicGroup(_ generation: WSLinkGeneration, _ topic: String, _ filter: WSLinkTopicFilter?) -> String {
        "\(group(generation)).topic:\(topic)#\(filter.map { "keys:" + $0.groupKey } ?? "all")"
    }

    /// Whether a publish on `topic` would reach anybody on this node: a connected client that
    /// never announced subscriptions (such as the unmodified `@kitware/wslink` client), or one
    /// that announced `topic`. Other nodes of a cluster are not counted.
    public func hasSubscribers(_ topic: String) -> Bool {
        topics.withLock { $0.registry.isListening(topic) }
    }

    /// Calls `handler` with whether `topic` has subscribers (``hasSubscribers(_:)``): once at
    /// once, then whenever the topic gains its first or loses its last listener, so an app can
    /// produce frames only while someone watches. Calls arrive in order, one at a time, and
    /// never while the publisher's lock is held (the handler may publish).
    ///
    /// ```swift
    /// let observation = publisher.observeListeners(of: "viewer.image") { listening in
    ///     listening ? streamer.resume() : streamer.pause()
    /// }
    /// ```
    @discardableResult
    public func observeListeners(of topic: String, _ handler: @escaping @Sendable (Bool) -> Void) -> ListenerObservation {
        let key = topics.withLock { state in
            defer { state.nextObserver += 1 }
            state.observers[state.nextObserver] = (topic, handler)
            state.registry.observe(topic)
            state.pending.append((handler, state.registry.isListening(topic)))
            return state.nextObserver
        }
        deliverListenerChanges()
        return ListenerObservation { [weak self] in
            self?.topics.withLock { state in
                guard state.observers.removeValue(forKey: key) != nil else { return }
                state.registry.stopObserving(topic)
            }
        }
    }

    /// Updates the registry under the lock and queues the observers of what changed.
    func updateRegistry(_ update: (inout WSLinkTopicRegistry) -> [WSLinkTopicRegistry.Change]) {
        let queued = topics.withLock { state -> Bool in
            let changes = update(&state.registry)
            for change in changes {
                for observer in state.observers.values where observer.topic == change.topic {
                    state.pending.append((observer.handler, change.listening))
                }
            }
            return !state.pending.isEmpty
        }
        if queued { deliverListenerChanges() }
    }

    /// Hands queued changes to observers in order; whoever finds nobody delivering delivers.
    private func deliverListenerChanges() {
        let first = topics.withLock { state -> (handler: @Sendable (Bool) -> Void, listening: Bool)? in
            guard !state.delivering, let next = state.pending.popFirst() else { return nil }
            state.delivering = true
            return next
        }
        guard var next = first else { return }
        while true {
            next.handler(next.listening)
            let following = topics.withLock { state -> (handler: @Sendable (Bool) -> Void, listening: Bool)? in
                guard let following = state.pending.popFirst() else {
                    state.delivering = false
                    return nil
                }
                return following
            }
            guard let following else { return }
            next = following
        }
    }

    // MARK: - Sessions

    /// An authenticated session that has not announced yet receives every topic.
    func registerEveryTopic(_ session: Session, generation: WSLinkGeneration) {
        session.manager?.join(session, group: everyTopicGroup(generation))
        updateRegistry { $0.addLegacy(1) }
    }

    /// Applies one connection's subscription change.
    func apply(_ change: WSLinkSessionSubscriptions.Change, topic: String, session: Session, generation: WSLinkGeneration) {
        guard let manager = session.manager else { return }
        switch change {
        case .none, .tooMany:
            return
        case .added(let filter, let first):
            // Join the topic before leaving "every topic": observers never see a false gap.
            updateRegistry { $0.add(topic, filter: filter, delta: 1) }
            if first {
                manager.move(session, from: everyTopicGroup(generation), to: topicGroup(generation, topic, filter))
                updateRegistry { $0.addLegacy(-1) }
            } else {
                manager.join(session, group: topicGroup(generation, topic, filter))
            }
        case .refiltered(let old, let new):
            manager.move(session, from: topicGroup(generation, topic, old), to: topicGroup(generation, topic, new))
            updateRegistry { registry in
                let added = registry.add(topic, filter: new, delta: 1)
                return added + registry.add(topic, filter: old, delta: -1)
            }
        case .removed(let filter):
            manager.leave(session, group: topicGroup(generation, topic, filter))
            updateRegistry { $0.add(topic, filter: filter, delta: -1) }
        }
    }

    /// The connection closed: its listening ends (the manager drops its groups itself).
    func unregisterListening(_ subscriptions: WSLinkSessionSubscriptions) {
        updateRegistry { registry in
            guard subscriptions.hasAnnounced else { return registry.addLegacy(-1) }
            return subscriptions.topics.flatMap { topic, filter in registry.add(topic, filter: filter, delta: -1) }
        }
    }

    // MARK: - Fan-out

    /// The recipients of a publish on `topic`, batched by the filter they asked for (`nil`:
    /// the whole value), for one generation; `filters` are the topic's announced ones.
    func recipients(
        of topic: String, filters: [WSLinkTopicFilter?], generation: WSLinkGeneration, audience: Audience, manager: SessionManager
    ) -> [(filter: WSLinkTopicFilter?, sessions: [Session])] {
        let channels: [(group: String, filter: WSLinkTopicFilter?)] =
            [(everyTopicGroup(generation), nil)] + filters.map { (topicGroup(generation, topic, $0), $0) }
        var batches: [WSLinkTopicFilter?: [Session]] = [:]
        switch audience {
        case .everyone, .allExceptLastActive:
            let skipped = audience == .allExceptLastActive ? lastActiveConnection : 0
            for channel in channels {
                let members = manager.members(of: channel.group, sorted: false)
                guard !members.isEmpty else { continue }
                batches[channel.filter, default: []].append(contentsOf: skipped == 0 ? members : members.filter { $0.id.rawValue != skipped })
            }
        case .client(let id):
            for session in manager.sessions(identity: id, adapter: adapter) {
                let groups = session.groups
                guard let channel = channels.first(where: { groups.contains($0.group) }) else { continue }
                batches[channel.filter, default: []].append(session)
            }
        }
        return batches.filter { !$0.value.isEmpty }.map { (filter: $0.key, sessions: $0.value) }
    }
}
