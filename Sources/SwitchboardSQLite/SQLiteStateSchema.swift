import CrossComm
import Logging
import SQLiteNIO

/// The state file's tables and the statements that read and write them (`Protocols.md` §5.8).
enum SQLiteStateSchema {
    /// Creates the tables on a new file; refuses a file from a newer build.
    static func migrate(_ connection: SQLiteConnection, path: String, logger: Logger) async throws {
        // WAL with synchronous=NORMAL: a committed batch survives the process being killed;
        // only a power loss may take the last ones.
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        _ = try await connection.query("PRAGMA synchronous = NORMAL")
        let version = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        if version > SQLiteStateStore.schemaVersion {
            throw SQLiteStateStoreError(
                code: .schemaTooNew,
                message: "state file \(path) has schema version \(version); this build writes \(SQLiteStateStore.schemaVersion)"
            )
        }
        guard version < 1 else { return }
        try await transaction(connection) {
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS crosscomm_clients (
                    id TEXT PRIMARY KEY,
                    sequence INTEGER NOT NULL,
                    last_heartbeat REAL NOT NULL,
                    login_time REAL
                )
                """)
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS crosscomm_queue (
                    sequence INTEGER PRIMARY KEY,
                    target TEXT NOT NULL,
                    message TEXT NOT NULL,
                    queued_at REAL NOT NULL
                )
                """)
            _ = try await connection.query("CREATE INDEX IF NOT EXISTS crosscomm_queue_by_target ON crosscomm_queue (target)")
            _ = try await connection.query("PRAGMA user_version = \(SQLiteStateStore.schemaVersion)")
        }
        logger.info("crosscomm state file created", metadata: ["state.path": "\(path)", "state.schema": "\(SQLiteStateStore.schemaVersion)"])
    }

    /// Everything the file holds, in table and queue order.
    static func load(_ connection: SQLiteConnection) async throws -> CrossCommStateSnapshot {
        let clients = try await connection.query(
            "SELECT id, sequence, last_heartbeat, login_time FROM crosscomm_clients ORDER BY sequence"
        ).compactMap { row -> CrossCommStoredClient? in
            guard let id = row.column("id")?.string, let sequence = row.column("sequence")?.integer else { return nil }
            return CrossCommStoredClient(
                id: id,
                sequence: Int64(sequence),
                lastHeartbeat: row.column("last_heartbeat")?.double ?? 0,
                loginTime: row.column("login_time")?.double
            )
        }
        let messages = try await connection.query(
            "SELECT sequence, target, message, queued_at FROM crosscomm_queue ORDER BY sequence"
        ).compactMap { row -> CrossCommStoredMessage? in
            guard let sequence = row.column("sequence")?.integer, let target = row.column("target")?.string,
                  let text = row.column("message")?.string else { return nil }
            return CrossCommStoredMessage(sequence: Int64(sequence), target: target, text: text, queuedAt: row.column("queued_at")?.double ?? 0)
        }
        return CrossCommStateSnapshot(clients: clients, messages: messages)
    }

    /// Applies `changes` in order, in one transaction.
    static func write(_ changes: [CrossCommStateChange], to connection: SQLiteConnection) async throws {
        try await transaction(connection) {
            for change in changes {
                switch change {
                case .client(let client):
                    _ = try await connection.query("""
                        INSERT INTO crosscomm_clients (id, sequence, last_heartbeat, login_time) VALUES (?1, ?2, ?3, ?4)
                        ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, login_time = excluded.login_time
                        """, [.text(client.id), .integer(SQLiteInt64(client.sequence)), .float(client.lastHeartbeat), client.loginTime.map(SQLiteData.float) ?? .null])
                case .clientForgotten(let id):
                    _ = try await connection.query("DELETE FROM crosscomm_clients WHERE id = ?1", [.text(id)])
                case .queued(let message):
                    _ = try await connection.query(
                        "INSERT OR REPLACE INTO crosscomm_queue (sequence, target, message, queued_at) VALUES (?1, ?2, ?3, ?4)",
                        [.integer(SQLiteInt64(message.sequence)), .text(message.target), .text(message.text), .float(message.queuedAt)]
                    )
                case .unqueued(let sequences):
                    for sequence in sequences {
                        _ = try await connection.query("DELETE FROM crosscomm_queue WHERE sequence = ?1", [.integer(SQLiteInt64(sequence))])
                    }
                case .queueCleared(let target):
                    _ = try await connection.query("DELETE FROM crosscomm_queue WHERE target = ?1", [.text(target)])
                }
            }
        }
    }

    private static func transaction(_ connection: SQLiteConnection, _ body: () async throws -> Void) async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            try await body()
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }
}
