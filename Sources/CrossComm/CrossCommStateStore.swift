/// Where a hub keeps its client table and offline queue so that a restart loses neither
/// (`switchboard serve --state DIR`; the SQLite implementation is `SwitchboardSQLite`).
///
/// The hub calls ``record(_:)`` with every change, in the order the changes happened, while
/// it holds its routing lock: an implementation must only buffer there (no I/O, no waiting) and
/// write later, in the same order. ``load()`` runs once, before the hub serves
/// (``CrossCommHub/restore(from:)``).
///
/// What is kept: each client's id, first-login order, last heartbeat and login time (clients
/// always come back offline: their connections did not survive), and each queued message with
/// its target and the wall time it was queued. Heartbeats alone are not written; a client's row
/// is rewritten with its latest heartbeat when it logs in or goes offline.
public protocol CrossCommStateStore: Sendable {
    /// The state written so far.
    func load() async throws -> CrossCommStateSnapshot

    /// Buffers `changes` for writing, after those of earlier calls.
    func record(_ changes: [CrossCommStateChange])
}

/// One change to the persisted state, in the order the hub made them.
public enum CrossCommStateChange: Sendable, Hashable {
    /// A client logged in or went offline: insert it (at `sequence` in the table's order) or
    /// update its times (keeping its place).
    case client(CrossCommStoredClient)
    /// The table forgot a long-offline client (``CrossCommHub/Configuration/maxOfflineClients``).
    case clientForgotten(id: String)
    /// A message was queued for an offline client.
    case queued(CrossCommStoredMessage)
    /// Queued messages were discarded (too old, over the per-client bound).
    case unqueued(sequences: [Int64])
    /// Every message queued for `target` left the queue (delivered at its login, or evicted).
    case queueCleared(target: String)
}

/// A client row as stored.
public struct CrossCommStoredClient: Sendable, Hashable {
    /// The client id.
    public var id: String
    /// Its place in first-login order (only the first insert's value counts).
    public var sequence: Int64
    /// Epoch seconds of its last heartbeat (or login).
    public var lastHeartbeat: Double
    /// Epoch seconds of its last login.
    public var loginTime: Double?

    /// Creates a row.
    public init(id: String, sequence: Int64, lastHeartbeat: Double, loginTime: Double?) {
        self.id = id
        self.sequence = sequence
        self.lastHeartbeat = lastHeartbeat
        self.loginTime = loginTime
    }
}

/// A queued message as stored.
public struct CrossCommStoredMessage: Sendable, Hashable {
    /// Its place in queue order, unique across targets.
    public var sequence: Int64
    /// The client it waits for.
    public var target: String
    /// The message as its wire text (``CrossCommMessage/encoded``).
    public var text: String
    /// Epoch seconds it was queued (the state machine leaves `0`; the hub stamps the wall clock).
    public var queuedAt: Double

    /// Creates a queued message.
    public init(sequence: Int64, target: String, text: String, queuedAt: Double) {
        self.sequence = sequence
        self.target = target
        self.text = text
        self.queuedAt = queuedAt
    }
}

/// Everything a store holds: clients in first-login order, messages in queue order.
public struct CrossCommStateSnapshot: Sendable, Hashable {
    /// The client table.
    public var clients: [CrossCommStoredClient]
    /// The offline queue.
    public var messages: [CrossCommStoredMessage]

    /// Creates a snapshot.
    public init(clients: [CrossCommStoredClient] = [], messages: [CrossCommStoredMessage] = []) {
        self.clients = clients
        self.messages = messages
    }
}
