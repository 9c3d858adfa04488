import ArgumentParser
import CrossComm
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardSQLite
import Synchronization

/// `serve --state DIR` and the CrossComm offline queue: what survives a restart
/// (`Protocols.md` §5.8). Without `--state` the hub keeps everything in memory, as pywayne does.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: "Directory for state that survives a restart: CrossComm's client table and offline queue (switchboard-state.sqlite).")
    var directory: String?

    @Option(name: .customLong("crosscomm-offline-queue"), help: "Messages kept per offline CrossComm client until it logs in (0 = drop them, as pywayne).")
    var offlineQueue = 0

    @Option(name: .customLong("crosscomm-offline-max-age"), help: "Seconds a queued CrossComm message may wait.")
    var offlineMaxAge: Double = 300

    func validate() throws {
        if offlineQueue < 0 { throw ValidationError("--crosscomm-offline-queue must not be negative") }
        if offlineMaxAge <= 0 { throw ValidationError("--crosscomm-offline-max-age must be positive") }
    }

    /// The hub's offline queue policy, when one is asked for.
    var offlineQueuePolicy: CrossCommHub.OfflineQueuePolicy? {
        guard offlineQueue > 0 else { return nil }
        return .init(maxMessagesPerClient: offlineQueue, maxAge: .milliseconds(Int64(offlineMaxAge * 1000)))
    }

    /// Opens the state file and restores `hub` from it; returns the store's service, to run
    /// before (and so stop after) the server. None without `--state` or without CrossComm.
    func restore(_ hub: CrossCommHub?, logger: Logger) async throws -> SQLiteStateStore? {
        guard let directory else { return nil }
        guard let hub else {
            logger.warning("--state has nothing to keep: CrossComm is off")
            return nil
        }
        let store = try await SQLiteStateStore.open(directory: directory, logger: logger)
        try await hub.restore(from: store)
        logger.info("crosscomm state kept", metadata: ["state.path": "\(store.path)"])
        return store
    }

    /// The `crosscomm` object of `/stats`: the table, the queue and the state file's writes.
    static func statsJSON(hub: CrossCommHub, store: SQLiteStateStore?) -> JSONValue {
        func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }
        let clients = hub.clients()
        var pairs: [JSONValue.Pair] = [
            .init(key: "clients", value: int(clients.count)),
            .init(key: "online", value: int(clients.filter(\.isOnline).count)),
            .init(key: "queued_messages", value: int(hub.queuedMessageCount)),
            .init(key: "queued_offline_total", value: int(hub.statistics.queuedOffline)),
        ]
        if let store {
            let statistics = store.statistics
            pairs.append(.init(key: "state", value: .object([
                .init(key: "recorded", value: int(statistics.recorded)),
                .init(key: "written", value: int(statistics.written)),
                .init(key: "pending", value: int(statistics.pending)),
                .init(key: "failed_batches", value: int(statistics.failedBatches)),
            ])))
        }
        return .object(pairs)
    }
}

/// The hub and state store for `/stats`, which is routed before the application (and so the
/// hub) exists.
final class StateStoreBox: Sendable {
    private let parts = Mutex<(hub: CrossCommHub?, store: SQLiteStateStore?)>((nil, nil))

    /// Sets what `/stats` reports on.
    func attach(store: SQLiteStateStore?, hub: CrossCommHub?) {
        parts.withLock { $0 = (hub, store) }
    }

    /// The `crosscomm` object of `/stats`, once the hub exists.
    var statsJSON: JSONValue? {
        let (hub, store) = parts.withLock { $0 }
        return hub.map { StateOptions.statsJSON(hub: $0, store: store) }
    }
}
