import ArgumentParser
import CrossComm
import Logging
import SwitchboardCore

/// `switchboard crosscomm send|listen|list`: a scriptable CrossComm client for a Switchboard
/// hub or pywayne's own. Messages are printed as their wire JSON (the seven keys pywayne sends).
///
/// ```sh
/// switchboard crosscomm listen ws://127.0.0.1:9898 --id bob --count 1 &
/// switchboard crosscomm send ws://127.0.0.1:9898 --id alice --to bob "hello"
/// switchboard crosscomm list ws://127.0.0.1:9898
/// ```
struct CrossCommCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosscomm",
        abstract: "Send, receive or list on a CrossComm hub (JSON on stdout).",
        subcommands: [Send.self, Listen.self, List.self]
    )

    /// What every CrossComm command needs to reach a hub.
    struct Connection: ParsableArguments {
        @Argument(help: "The hub, e.g. ws://127.0.0.1:9898.")
        var url: String

        @OptionGroup var client: ClientOptions

        @OptionGroup(title: "File store") var files: CrossCommFileStoreOptions

        /// A client logging in as `id`, connecting once (no reconnect), and its transport.
        func makeClient(id: String) -> (CrossCommClient, CLITransport) {
            let logger = client.makeLogger(label: "switchboard.crosscomm")
            let transport = client.transport(url: url, logger: logger)
            var configuration = CrossCommClient.Configuration(clientID: id, reconnect: .never)
            files.apply(to: &configuration)
            configuration.token = client.token
            return (CrossCommClient(transport: transport, configuration: configuration, logger: logger), transport)
        }
    }

    /// The message types `send` accepts (file, image and folder take a path and `--file-store`).
    enum SendType: String, ExpressibleByArgument, CaseIterable {
        case text, json, dict, bytes, file, image, folder

        var messageType: CrossCommMessageType {
            switch self {
            case .text: .text
            case .json: .json
            case .dict: .dict
            case .bytes: .bytes
            case .file: .file
            case .image: .image
            case .folder: .folder
            }
        }
    }

    /// `crosscomm send URL --id ME [--to PEER] [--type T] TEXT`: logs in, sends, logs out, and
    /// prints the message as sent.
    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log in as --id, send one message and print it as sent (JSON).",
            discussion: """
                --type text sends TEXT as is; json sends TEXT (valid JSON text) as a string; dict \
                sends TEXT parsed as a JSON value; bytes sends the UTF-8 bytes of TEXT (base64 on \
                the wire). CrossComm has no acknowledgement: exit 0 means the hub accepted the login \
                and the message was written before a normal logout.
                """
        )

        @OptionGroup var connection: Connection

        @Option(help: "This client's id.")
        var id: String

        @Option(help: "The recipient's id, or 'all' for every other online client.")
        var to = CrossCommMessage.everyone

        @Option(help: "Message type: text, json, dict, bytes, or file, image, folder (TEXT is then a path, uploaded to --file-store).")
        var type = SendType.text

        @Argument(help: "The content.")
        var text: String

        func validate() throws {
            if type == .json || type == .dict {
                _ = try ClientArguments.json(text, "TEXT of a \(type.rawValue) message")
            }
        }

        func run() async throws {
            let (client, transport) = connection.makeClient(id: id)
            let limit = connection.client.timeLimit
            let (text, type, to) = (self.text, self.type.messageType, self.to)
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                let sent = try await withTimeout(limit, "crosscomm send") {
                    try await client.login(timeout: limit)
                    let sent = try await client.send(text, type: type, to: to)
                    await client.logout()
                    return sent
                }
                ClientOutput.json(sent.json)
            }
        }
    }

    /// `crosscomm listen URL --id ME [--count N] [--from PEER] [--type T]`: one JSON line per
    /// message.
    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log in as --id and print every message it receives as one JSON line.",
            discussion: """
                Once logged in, 'switchboard: logged in as ID' is written on stderr. Runs until \
                --count messages arrived (exit 0), the connection closes (exit 1; a hub that closes \
                with 4501 'replaced' means another client logged in with the same id) or, with \
                --count, --timeout passes (exit 124).
                """
        )

        @OptionGroup var connection: Connection

        @Option(help: "This client's id.")
        var id: String

        @Option(help: "Exit after this many messages.")
        var count: Int?

        @Option(help: "Only messages from this client.")
        var from: String?

        @Option(help: "Only messages of this type (text, json, dict, bytes, image, file, folder).")
        var type: String?

        @Option(name: .customLong("download-dir"), help: "Download files, images and folders from --file-store into this directory (content becomes the local path).")
        var downloadDirectory: String?

        func validate() throws {
            if let count, count <= 0 { throw ValidationError("--count must be positive") }
            if let type, CrossCommMessageType(rawValue: type)?.isData != true {
                throw ValidationError("--type must be a data message type: text, json, dict, bytes, image, file or folder")
            }
        }

        func run() async throws {
            let (client, transport) = connection.makeClient(id: id)
            let limit = connection.client.timeLimit
            let (id, count) = (self.id, self.count)
            let (messages, inbox) = AsyncStream.makeStream(of: CrossCommMessage.self)
            client.onMessage(type: type.flatMap(CrossCommMessageType.init(rawValue:)), from: from, downloadDirectory: downloadDirectory) { message in
                inbox.yield(message)
            }
            // No reconnect: the end of the connection is the end of the stream.
            transport.onClose { inbox.finish() }
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                defer { inbox.finish() }
                try await client.login(timeout: limit)
                ClientOutput.note("logged in as \(id)")
                let received = try await ClientArguments.within(count == nil ? nil : limit, "waiting for \(count ?? 0) messages") {
                    var received = 0
                    for await message in messages {
                        ClientOutput.json(message.json)
                        received += 1
                        if received == count { break }
                    }
                    return received
                }
                await client.logout()
                if received != count {
                    throw ClientFailure(transport.explanation ?? "the connection closed after \(received) messages")
                }
            }
        }
    }

    /// `crosscomm list URL [--all] [--id ME]`: the hub's client table as JSON.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the hub's client table as JSON.",
            discussion: """
                CrossComm answers list_clients only to a logged-in client, so this logs in first: \
                as --id when given (and then lists itself), otherwise as switchboard-list-<random>, \
                which is left out of the output (the hub may keep it as an offline entry).
                """
        )

        @OptionGroup var connection: Connection

        @Option(help: "Log in with this id (default: a random one, not listed).")
        var id: String?

        @Flag(help: "Include offline clients.")
        var all = false

        func run() async throws {
            let ownID = id ?? "switchboard-list-\(CrossCommIDs.uuid().prefix(8))"
            let hidden = id == nil ? ownID : nil
            let (client, transport) = connection.makeClient(id: ownID)
            let limit = connection.client.timeLimit
            let onlyOnline = !all
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                let table = try await withTimeout(limit, "crosscomm list") {
                    try await client.login(timeout: limit)
                    let table = try await client.listClients(onlyOnline: onlyOnline, timeout: limit)
                    await client.logout()
                    return table
                }
                let clients = table.clients.filter { $0.id != hidden }
                ClientOutput.json(.object([
                    .init(key: "clients", value: .array(clients.map(Self.json))),
                    .init(key: "total_count", value: .integer(Int64(clients.count))),
                    .init(key: "only_show_online", value: .bool(table.onlyOnline)),
                ]))
            }
        }

        /// One row as the hub writes it: `client_id`, `status`, `last_heartbeat`, `login_time`.
        static func json(_ entry: CrossCommClientList.Entry) -> JSONValue {
            .object([
                .init(key: "client_id", value: .string(entry.id)),
                .init(key: "status", value: .string(entry.isOnline ? "online" : "offline")),
                .init(key: "last_heartbeat", value: entry.lastHeartbeat.map(JSONValue.double) ?? .null),
                .init(key: "login_time", value: entry.loginTime.map(JSONValue.double) ?? .null),
            ])
        }
    }
}
