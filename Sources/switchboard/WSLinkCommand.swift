import ArgumentParser
import Logging
import MsgPack
import SwitchboardCore
import WSLink

/// `switchboard wslink call|subscribe`: a scriptable wslink 2.x client for Switchboard or a
/// Python wslink server. Arguments and results are JSON; see ``JSONBridge`` for `bin`.
///
/// ```sh
/// switchboard wslink call ws://127.0.0.1:8080/ws demo.add 40 --kwargs '{"b": 2}'    # 42
/// switchboard wslink subscribe ws://127.0.0.1:8080/ws demo.tick --count 3
/// ```
struct WSLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wslink",
        abstract: "Call a wslink RPC or follow a wslink topic (JSON on stdout).",
        subcommands: [Call.self, Subscribe.self]
    )

    /// What both wslink commands need to reach a server.
    struct Connection: ParsableArguments {
        @Argument(help: "The wslink endpoint, e.g. ws://127.0.0.1:8080/ws.")
        var url: String

        @Option(help: "Secret sent in wslink.hello.")
        var secret = "wslink-secret"

        @OptionGroup var client: ClientOptions

        /// A client for `url` (connecting once, no reconnect), its transport and its logger.
        func makeClient() -> (WSLinkClient<CLITransport>, CLITransport) {
            let logger = client.makeLogger(label: "switchboard.wslink")
            let transport = client.transport(url: url, logger: logger)
            var configuration = WSLinkClientConfiguration(secret: secret, callTimeout: client.timeLimit, reconnect: nil)
            configuration.token = client.token
            return (WSLinkClient(transport: transport, configuration: configuration, logger: logger), transport)
        }
    }

    /// `wslink call URL METHOD [JSON-ARGS…] [--kwargs JSON]`: prints the result as one JSON line.
    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call METHOD once and print its result as JSON.",
            discussion: """
                Each ARG is one positional argument as JSON (quote strings: '"text"'); {"$bin": "<hex>"} \
                is sent as msgpack bin, and bin in the result is printed the same way. An error reply \
                is printed on stderr as JSON and exits 1; --timeout exits 124.
                """
        )

        @OptionGroup var connection: Connection

        @Argument(help: "The RPC method, e.g. demo.add.")
        var method: String

        @Argument(help: "Positional arguments, each one JSON value.")
        var args: [String] = []

        @Option(help: "Keyword arguments as one JSON object.")
        var kwargs: String?

        func validate() throws {
            _ = try arguments()
        }

        func run() async throws {
            let (positional, keywords) = try arguments()
            let (client, transport) = connection.makeClient()
            let limit = connection.client.timeLimit
            let method = self.method
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                let result = try await withThrowingTaskGroup(of: MsgPackValue?.self) { group in
                    group.addTask {
                        try await client.run()
                        return nil
                    }
                    defer { group.cancelAll() }
                    do {
                        return try await withTimeout(limit, "wslink call \(method)") {
                            try await client.call(method, args: positional, kwargs: keywords, timeout: limit)
                        }
                    } catch let error as WSLinkError where error.code == .remote {
                        let answer = error.remote.map { Self.json($0).encoded(.compact) } ?? error.message
                        throw ClientFailure("\(method) failed: \(answer)")
                    }
                }
                ClientOutput.json(JSONBridge.json(from: result))
            }
        }

        /// The positional and keyword arguments, parsed from JSON.
        private func arguments() throws -> ([MsgPackValue], WSLinkKeywords) {
            let positional = try args.enumerated().map { index, text in
                JSONBridge.msgpack(from: try ClientArguments.json(text, "argument \(index + 1)"))
            }
            let keywords = try kwargs.map { text in
                let value = JSONBridge.msgpack(from: try ClientArguments.json(text, "--kwargs"))
                guard case .map = value, let parsed = WSLinkKeywords(value) else {
                    throw ValidationError("--kwargs must be a JSON object")
                }
                return parsed
            } ?? WSLinkKeywords()
            return (positional, keywords)
        }

        /// The wire `error` object `{code, message[, data]}` as JSON.
        static func json(_ error: WSLinkRPCError) -> JSONValue {
            var pairs: [JSONValue.Pair] = [.init(key: "code", value: .integer(Int64(error.code))), .init(key: "message", value: .string(error.message))]
            if let data = error.data { pairs.append(.init(key: "data", value: JSONBridge.json(from: data))) }
            return .object(pairs)
        }
    }

    /// `wslink subscribe URL TOPIC [--count N]`: one JSON line per publish.
    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every publish on TOPIC as one JSON line.",
            discussion: """
                Once the hello succeeded, 'switchboard: subscribed to TOPIC' is written on stderr. \
                wslink publishes to every client and filters on the client, so nothing is sent to \
                the server. Runs until --count publishes arrived (exit 0), the connection closes \
                (exit 1) or, with --count, --timeout passes (exit 124).
                """
        )

        @OptionGroup var connection: Connection

        @Argument(help: "The topic, e.g. demo.tick.")
        var topic: String

        @Option(help: "Exit after this many publishes.")
        var count: Int?

        func validate() throws {
            if let count, count <= 0 { throw ValidationError("--count must be positive") }
            guard WSLinkPublisher.isValidTopic(topic) else {
                throw ValidationError("topic \"\(topic)\" is not dot-separated word characters; no publish can match it")
            }
        }

        func run() async throws {
            let (client, transport) = connection.makeClient()
            let limit = connection.client.timeLimit
            let topic = self.topic
            let count = self.count
            try await ClientFailure.reporting(explanation: { transport.explanation }) {
                // Subscribed before connecting: no publish after the hello can be missed.
                let publishes = try client.subscribe(topic)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await client.run() }
                    defer { group.cancelAll() }
                    let clientID = try await client.waitUntilReady(timeout: limit)
                    ClientOutput.note("subscribed to \(topic) (client id \(clientID))")
                    let received = try await ClientArguments.within(count == nil ? nil : limit, "waiting for \(count ?? 0) publishes on \(topic)") {
                        var received = 0
                        for await publish in publishes {
                            ClientOutput.json(JSONBridge.json(from: publish))
                            received += 1
                            if received == count { break }
                        }
                        return received
                    }
                    if received != count {
                        throw ClientFailure(transport.explanation ?? "the connection closed after \(received) publishes")
                    }
                }
            }
        }
    }
}
