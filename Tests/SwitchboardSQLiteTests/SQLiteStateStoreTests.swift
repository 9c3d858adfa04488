import CrossComm
import Foundation
import Logging
import SwitchboardCore
import SwitchboardSQLite
import Testing

@Suite("SQLite state store")
struct SQLiteStateStoreTests {
    let logger = Logger(label: "test.sqlite-state")

    func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "switchboard-state-\(UUID().uuidString)"
    }

    /// Runs `body` with `store` writing, then stops the store the way a service group does
    /// (cancellation: it writes what is left and closes).
    func whileRunning(_ store: SQLiteStateStore, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            try await body()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test("changes written in order come back from a reopened file")
    func roundTrip() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteStateStore.open(directory: directory, logger: logger)
        #expect(try await store.load() == CrossCommStateSnapshot())
        try await whileRunning(store) {
            store.record([
                .client(CrossCommStoredClient(id: "alice", sequence: 1, lastHeartbeat: 10, loginTime: 10)),
                .client(CrossCommStoredClient(id: "bob", sequence: 2, lastHeartbeat: 11, loginTime: nil)),
                .queued(CrossCommStoredMessage(sequence: 3, target: "bob", text: "one", queuedAt: 12)),
                .queued(CrossCommStoredMessage(sequence: 4, target: "bob", text: "two", queuedAt: 13)),
                .queued(CrossCommStoredMessage(sequence: 5, target: "carol", text: "three", queuedAt: 14)),
            ])
            // Updates keep the first sequence; removals by sequence, by target and by id.
            store.record([
                .client(CrossCommStoredClient(id: "alice", sequence: 9, lastHeartbeat: 20, loginTime: 19)),
                .unqueued(sequences: [3]),
                .queueCleared(target: "carol"),
                .clientForgotten(id: "bob"),
                .client(CrossCommStoredClient(id: "dave", sequence: 10, lastHeartbeat: 21, loginTime: 21)),
            ])
            await store.flush()
            #expect(store.statistics.pending == 0)
            #expect(store.statistics.written == 10)
        }
        let reopened = try await SQLiteStateStore.open(directory: directory, logger: logger)
        let snapshot = try await reopened.load()
        #expect(snapshot.clients == [
            CrossCommStoredClient(id: "alice", sequence: 1, lastHeartbeat: 20, loginTime: 19),
            CrossCommStoredClient(id: "dave", sequence: 10, lastHeartbeat: 21, loginTime: 21),
        ])
        #expect(snapshot.messages == [CrossCommStoredMessage(sequence: 4, target: "bob", text: "two", queuedAt: 13)])
        try await whileRunning(reopened) {}
    }

    @Test("a stop writes what was recorded just before it")
    func stopWritesTheRest() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteStateStore.open(directory: directory, logger: logger)
        try await whileRunning(store) {
            for sequence in 1...200 {
                store.record([.queued(CrossCommStoredMessage(sequence: Int64(sequence), target: "t", text: "m\(sequence)", queuedAt: 1))])
            }
        }
        #expect(store.statistics.written == 200)
        let reopened = try await SQLiteStateStore.open(directory: directory, logger: logger)
        let snapshot = try await reopened.load()
        #expect(snapshot.messages.map(\.sequence) == (1...200).map(Int64.init))
        try await whileRunning(reopened) {}
    }

    @Test("a hub restored from the store gets its table and queue back")
    func hubRestart() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = CrossCommHub.Configuration(offlineQueue: .init())
        let first = try await SQLiteStateStore.open(directory: directory, logger: logger)
        let hub = CrossCommHub(configuration: configuration, logger: logger)
        try await hub.restore(from: first)
        try await whileRunning(first) {
            #expect(hub.send(.string("for bob"), type: .text, to: "bob") == 0)
        }
        let second = try await SQLiteStateStore.open(directory: directory, logger: logger)
        let restarted = CrossCommHub(configuration: configuration, logger: logger)
        try await restarted.restore(from: second)
        #expect(restarted.statistics.queuedOffline == 0)
        let snapshot = try await second.load()
        #expect(snapshot.messages.map(\.target) == ["bob"])
        #expect(snapshot.messages.first?.text.contains("for bob") == true)
        try await whileRunning(second) {}
    }
}
