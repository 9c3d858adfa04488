extension SessionManager {
    /// What the open sessions hold right now: how many per adapter and how much their
    /// outbound queues buffer. Together with ``currentStatistics`` this is what operators
    /// read to see slow consumers (`switchboard serve --stats` serves both as JSON).
    public struct Occupancy: Sendable, Hashable {
        /// Open sessions per adapter name.
        public var sessionsByAdapter: [String: Int]
        /// Frames queued across all sessions.
        public var queuedFrames: Int
        /// Payload bytes queued across all sessions.
        public var queuedBytes: Int
        /// The most frames any one session has queued.
        public var largestQueueFrames: Int
        /// The most bytes any one session has queued.
        public var largestQueueBytes: Int

        /// Open sessions in total.
        public var sessions: Int { sessionsByAdapter.values.reduce(0, +) }
    }

    /// A snapshot of the open sessions and their queues. Each queue is read under its own
    /// lock, one after another, so the totals are approximate while traffic flows.
    public func occupancy() -> Occupancy {
        var occupancy = Occupancy(sessionsByAdapter: [:], queuedFrames: 0, queuedBytes: 0, largestQueueFrames: 0, largestQueueBytes: 0)
        for session in sessions() {
            occupancy.sessionsByAdapter[session.adapter, default: 0] += 1
            let frames = session.queue.queuedCount
            let bytes = session.queue.queuedBytes
            occupancy.queuedFrames += frames
            occupancy.queuedBytes += bytes
            occupancy.largestQueueFrames = max(occupancy.largestQueueFrames, frames)
            occupancy.largestQueueBytes = max(occupancy.largestQueueBytes, bytes)
        }
        return occupancy
    }
}
