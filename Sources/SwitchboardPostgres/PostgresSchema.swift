import Logging
import PostgresNIO

/// The cluster's tables, created or migrated on start (`Protocols.md` §8.2).
enum PostgresSchema {
    /// The version this build writes.
    static let version = 1
    /// The one NOTIFY channel every node LISTENs on.
    static let channel = "switchboard_cluster"

    /// Creates or migrates the schema under an advisory lock (nodes may start together).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(1717)", logger: logger)
        do {
            try await connection.query("CREATE TABLE IF NOT EXISTS switchboard_schema (version integer NOT NULL)", logger: logger)
            var current = 0
            for try await value in try await connection.query("SELECT coalesce(max(version), 0) FROM switchboard_schema", logger: logger).decode(Int.self) {
                current = value
            }
            if current > version {
                throw PostgresBrokerError(code: .schemaTooNew, message: "schema version \(current) is newer than this build's \(version)")
            }
            if current < 1 {
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS switchboard_nodes (
                        node_id text PRIMARY KEY,
                        started_at timestamptz NOT NULL DEFAULT now(),
                        last_heartbeat timestamptz NOT NULL DEFAULT now(),
                        status text NOT NULL DEFAULT 'up'
                    )
                    """, logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS switchboard_payloads (
                        id bigserial PRIMARY KEY,
                        created_at timestamptz NOT NULL DEFAULT now(),
                        body text NOT NULL
                    )
                    """, logger: logger)
                try await connection.query("INSERT INTO switchboard_schema (version) VALUES (1)", logger: logger)
                logger.info("cluster schema created", metadata: ["schema.version": "1"])
            }
            try await connection.query("SELECT pg_advisory_unlock(1717)", logger: logger)
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(1717)", logger: logger)
            throw error
        }
    }
}
