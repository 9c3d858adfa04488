import ArgumentParser
import Logging
import Siyi
import SwitchboardCore

/// `switchboard siyi request|event|listen`: a scriptable siyi client. Params, data and the
/// printed answers are JSON.
///
/// ```sh
/// switchboard siyi request ws://127.0.0.1:8765 echo '{"message": "hi"}'     # {"message":"hi"}
/// switchboard siyi listen ws://127.0.0.1:8765 --count 1 &
/// switchboard siyi event ws://127.0.0.1:8765 player_update '{"player": "Steve", "health": 95}'
/// ```
struct SiyiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siyi",
        abstract: "Send a siyi request or event, or print the server's events (JSON on stdout).",
        subcommands: [Request.self, Event.self, Listen.self]
    )

    /// What every siyi command needs to reach a server.
    struct Connection: ParsableArguments {
        @Argument(help: "The siyi server, e.g. ws://127.0.0.1:8765.")
        var url: String

        @OptionGroup var client: ClientOptions

        /// A connected client (one connection, no reconnect) and its transport. Requests the
        /// server sends are answered `unknown command`, heartbeats `alive`, as the library does.
        func makeClient() -> (SiyiClient<CLITransport>, CLITransport) {
            let logger = client.makeLogger(label: "switchboard.siyi")
            let transport = client.transport(url: url, logger: logger)
            let configuration = SiyiClientConfiguration(requestTimeout: client.timeLimit, autoReconnect: false)
            return (SiyiClient(transport: transport, configuration: configuration, logger: logger), transport)
        }
    }

    /// Connects `client` and waits (bounded) until it is connected, or explains why it is not.
    /// Without reconnect, `SiyiClient.waitConnected` would wait out the whole limit after a
    /// refused connection; the transport's close ends the wait at once instead.
    static func waitConnected(_ client: SiyiClient<CLITransport>, _ transport: CLITransport, limit: Duration) async throws {
        let (closed, closing) = AsyncStream.makeStream(of: Void.self)
        transport.onClose { closing.finish() }
        client.connect()
        let connected = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await client.waitConnected(timeout: limit) }
            group.addTask {
                for await _ in closed {}
                return client.isConnected
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        guard connected else {
            if let explanation = transport.explanation { throw ClientFailure(explanation) }
            throw ClientFailure("no connection to \(transport.url) within \(limit)", timedOut: true)
        }
    }

    /// `siyi request URL COMMAND [JSON]`: prints the response's `data`; an error response
    /// exits 1 with its text on stderr.
    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send COMMAND with PARAMS and print the response's data as JSON.",
            discussion: "An error response prints its error on stderr and exits 1; --timeout exits 124."
        )

        @OptionGroup var connection: Connection

        @Argument(help: "The command, e.g. echo.")
        var command: String

        @Argument(help: "The params as JSON (an object or null; default null).")
        var params: String?

        func validate() throws {
            _ = try parsedParams()
        }

        func run() async throws {
            let params = try parsedParams()
            let command = self.command
            let limit = connection.client.timeLimit
            let (client, transport) = connection.makeClient()
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                let response = try await withTimeout(limit, "siyi request \(command)") {
                    try await SiyiCommand.waitConnected(client, transport, limit: limit)
                    let response = try await client.request(command, params: params, timeout: limit)
                    await client.disconnect()
                    return response
                }
                guard response.isSuccess else {
                    throw ClientFailure("\(command) failed: \(response.error ?? "error response without a message")")
                }
                ClientOutput.json(response.data)
            }
        }

        private func parsedParams() throws -> JSONValue {
            guard let params else { return .null }
            let value = try ClientArguments.json(params, "PARAMS")
            guard value.objectValue != nil || value.isNull else {
                throw ValidationError("PARAMS must be a JSON object or null (siyi refuses other params)")
            }
            return value
        }
    }

    /// `siyi event URL NAME [JSON]`: sends one event and disconnects normally.
    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the event NAME with DATA (JSON) and disconnect.",
            discussion: "Events are not answered: exit 0 means the event was written before a normal close. Prints nothing."
        )

        @OptionGroup var connection: Connection

        @Argument(help: "The event name, e.g. player_update.")
        var name: String

        @Argument(help: "The data as JSON (default null).")
        var data: String?

        func validate() throws {
            if let data { _ = try ClientArguments.json(data, "DATA") }
        }

        func run() async throws {
            let data = try data.map { try ClientArguments.json($0, "DATA") } ?? .null
            let name = self.name
            let limit = connection.client.timeLimit
            let (client, transport) = connection.makeClient()
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                try await withTimeout(limit, "siyi event \(name)") {
                    try await SiyiCommand.waitConnected(client, transport, limit: limit)
                    try await client.send(event: name, data: data)
                    await client.disconnect()
                }
            }
        }
    }

    /// `siyi listen URL [--count N] [--name NAME]`: one JSON line per event the server sends.
    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every event the server sends as one JSON line ({id, type, name, data}).",
            discussion: """
                Once connected, 'switchboard: connected to URL' is written on stderr. Runs until \
                --count events arrived (exit 0), the connection closes (exit 1) or, with --count, \
                --timeout passes (exit 124).
                """
        )

        @OptionGroup var connection: Connection

        @Option(help: "Exit after this many events.")
        var count: Int?

        @Option(help: "Only events with this name.")
        var name: String?

        func validate() throws {
            if let count, count <= 0 { throw ValidationError("--count must be positive") }
        }

        func run() async throws {
            let (count, wanted) = (self.count, self.name)
            let limit = connection.client.timeLimit
            let (client, transport) = connection.makeClient()
            let (events, inbox) = AsyncStream.makeStream(of: SiyiEvent.self)
            client.onAnyEvent { event, _ in
                if wanted == nil || event.name == wanted { inbox.yield(event) }
            }
            // No reconnect: the end of the connection is the end of the stream.
            transport.onClose { inbox.finish() }
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                defer { inbox.finish() }
                try await SiyiCommand.waitConnected(client, transport, limit: limit)
                ClientOutput.note("connected to \(transport.url)")
                let received = try await ClientArguments.within(count == nil ? nil : limit, "waiting for \(count ?? 0) events") {
                    var received = 0
                    for await event in events {
                        ClientOutput.json(event.json)
                        received += 1
                        if received == count { break }
                    }
                    return received
                }
                await client.disconnect()
                if received != count {
                    throw ClientFailure(transport.explanation ?? "the connection closed after \(received) events")
                }
            }
        }
    }
}
