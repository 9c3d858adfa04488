import ArgumentParser
import SwitchboardCore

/// `--queue-overflow`: what a session's full outbound queue does with one more message.
enum QueueOverflowOption: String, ExpressibleByArgument, CaseIterable {
    /// Close the session with 4002 (the default; the client should reconnect).
    case close
    /// Discard the new message and keep the session.
    case dropNewest = "drop-newest"
    /// Discard the oldest queued messages and keep the session.
    case dropOldest = "drop-oldest"

    var overflow: OutboundQueuePolicy.Overflow {
        switch self {
        case .close: .close(.slowConsumer)
        case .dropNewest: .dropNewest
        case .dropOldest: .dropOldest
        }
    }
}
