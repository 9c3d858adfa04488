public import CrossComm
import Foundation
public import Logging
public import ServiceLifecycle
import SQLiteNIO
import Synchronization

/// The CrossComm hub's client table and offline queue in one SQLite file
/// (`switchboard serve --state DIR` keeps `DIR/switchboard-state.sqlite`), so a restart loses
/// neither. Schema: `Protocols.md` §5.8.
///
/// The hub records changes under its routing lock; this store only buffers them there and
/// writes them in order, in one transaction per batch, from its ``run()`` loop (a
/// `ServiceLifecycle` service: list it *before* the server so it stops after it and writes the
/// clients that went offline at shutdown). A batch is written within milliseconds; the file
/// is in WAL mode with `synchronous=NORMAL`, which survives a killed process. What `kill -9`
/// can lose is the batch not yet written; a clean stop loses nothing.
///
/// ```swift
/// let store = try await SQLiteStateStore.open(directory: "/var/lib/switchboard", logger: logger)
/// try await hub.restore(from: store)
/// let group = ServiceGroup(services: [store, server], logger: logger)
/// ```
public final class SQLiteStateStore: CrossCommStateStore, Service {
    /// The database file's name inside the state directory.
    public static let fileName = "switchboard-state.sqlite"
    /// The schema version this build writes (`PRAGMA user_version`).
    public static let schemaVersion = 1

    /// What the store has done.
    public struct Statistics: Sendable, Hashable {
        /// Changes handed to ``record(_:)``.
        public var recorded = 0
        /// Changes written (or given up on: see ``failedBatches``).
        public var written = 0
        /// Batches that could not be written (logged; their changes are lost).
        public var failedBatches = 0
        /// Changes waiting to be written.
        public var pending: Int { recorded - written }
    }

    private struct Buffer {
        var changes: [CrossCommStateChange] = []
        var statistics = Statistics()
        var waiters: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var closed = false
    }

    /// The database file.
    public let path: String
    private let connection: SQLiteConnection
    private let logger: Logger
    private let buffer = Mutex(Buffer())
    private let wake: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation

    private init(path: String, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
        (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Opens (creating the directory, file and tables if needed) the store in `directory`.
    ///
    /// - Throws: ``SQLiteStateStoreError`` when the directory cannot be created or the file was
    ///   written by a newer build; SQLite's error when the file is not a database.
    public static func open(directory: String, logger: Logger) async throws -> SQLiteStateStore {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteStateStoreError(code: .unusableDirectory, message: "cannot create state directory \(directory): \(error)")
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).standardizedFileURL.path
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            try await SQLiteStateSchema.migrate(connection, path: path, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteStateStore(path: path, connection: connection, logger: logger)
    }

    /// Counters since the store was opened.
    public var statistics: Statistics { buffer.withLock { $0.statistics } }

    public func load() async throws -> CrossCommStateSnapshot {
        try await SQLiteStateSchema.load(connection)
    }

    public func record(_ changes: [CrossCommStateChange]) {
        let accepted = buffer.withLock { buffer in
            guard !buffer.closed else { return false }
            buffer.changes += changes
            buffer.statistics.recorded += changes.count
            return true
        }
        if accepted {
            wakeUp.yield()
        } else {
            logger.warning("crosscomm state change after the store closed; not written", metadata: ["state.changes": "\(changes.count)"])
        }
    }

    /// Writes until graceful shutdown (or cancellation), then writes what is left and closes
    /// the file.
    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wake { await writePending() }
        } onGracefulShutdown: {
            self.wakeUp.finish()
        }
        buffer.withLock { $0.closed = true }
        await writePending()
        try await Task { try await self.connection.close() }.value
        logger.info("crosscomm state written", metadata: ["state.path": "\(path)", "state.changes": "\(statistics.written)"])
    }

    /// Returns once every change recorded before the call is written (needs ``run()`` running).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = buffer.withLock { buffer in
                guard buffer.statistics.pending > 0 else { return true }
                buffer.waiters.append((buffer.statistics.recorded, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func writePending() async {
        while true {
            let batch = buffer.withLock { buffer in
                defer { buffer.changes.removeAll(keepingCapacity: true) }
                return buffer.changes
            }
            guard !batch.isEmpty else { return }
            var failed = false
            do {
                // A cancelled task's queries fail at once (sqlite-nio checks cancellation): the
                // batch runs in a task of its own so that stopping by cancellation loses nothing.
                try await Task { try await SQLiteStateSchema.write(batch, to: self.connection) }.value
            } catch {
                failed = true
                logger.error("crosscomm state batch not written", metadata: ["state.path": "\(path)", "state.changes": "\(batch.count)", "error": "\(error)"])
            }
            let ready = buffer.withLock { buffer in
                buffer.statistics.written += batch.count
                if failed { buffer.statistics.failedBatches += 1 }
                let written = buffer.statistics.written
                let ready = buffer.waiters.filter { $0.upTo <= written }.map(\.continuation)
                buffer.waiters.removeAll { $0.upTo <= written }
                return ready
            }
            for continuation in ready { continuation.resume() }
        }
    }
}

/// Why the state store cannot open.
public struct SQLiteStateStoreError: Error, Sendable, CustomStringConvertible {
    /// Which failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The name.
        public let description: String
        /// The directory cannot be created.
        public static let unusableDirectory = Code(description: "unusableDirectory")
        /// The file's schema is newer than this build's.
        public static let schemaTooNew = Code(description: "schemaTooNew")
    }

    /// Which failure.
    public let code: Code
    /// What happened, for operators.
    public let message: String
    /// The message.
    public var description: String { message }
}
