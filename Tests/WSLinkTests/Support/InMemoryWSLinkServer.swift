import Logging
import MsgPack
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTesting
@testable import WSLink

let quietLogger = Logger(label: "wslink-test") { _ in SwiftLogNoOpLogHandler() }

/// A wslink adapter served by a real ``SwitchboardServer`` over the in-memory transport.
struct InMemoryWSLinkServer {
    let transport: InMemoryServerTransport
    let adapter: WSLinkServerAdapter

    /// Starts the server, runs `body`, then shuts down gracefully (bounded).
    static func with<R: Sendable>(
        router: WSLinkRouter = WSLinkDemoProtocol.router(),
        configuration: WSLinkServerConfiguration = .init(),
        _ body: @escaping @Sendable (InMemoryWSLinkServer) async throws -> R
    ) async throws -> R {
        let transport = InMemoryServerTransport()
        let adapter = WSLinkServerAdapter(router: router, configuration: configuration, logger: quietLogger)
        let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: quietLogger)
        let group = ServiceGroup(services: [server], logger: quietLogger)
        // The group runs in its own task so its shutdown can be bounded with a timeout.
        let running = Task { try await group.run() }
        do {
            let result = try await body(InMemoryWSLinkServer(transport: transport, adapter: adapter))
            await group.triggerGracefulShutdown()
            try await withTimeout(.seconds(10), "server shutdown") { try await running.value }
            return result
        } catch {
            await group.triggerGracefulShutdown()
            running.cancel()
            throw error
        }
    }

    func connect() throws -> RecordingConnection {
        try transport.connect(adapter: "wslink", path: "/ws")
    }
}

/// One 2.x chunk frame holding a whole envelope.
func v2Frame(_ value: MsgPackValue, id: UInt32 = 1) -> Frame {
    .binary(WSLinkChunker(maxMessageSize: 0).chunks(of: value.encoded(), id: id)[0])
}

func helloValue(_ secret: String = "wslink-secret") -> MsgPackValue {
    ["wslink": "1.0", "id": "system:c0:0", "method": "wslink.hello", "args": [["secret": .string(secret)]], "kwargs": [:]]
}

func callValue(_ id: String, _ method: String, _ args: [MsgPackValue] = [], _ kwargs: MsgPackValue = [:]) -> MsgPackValue {
    ["wslink": "1.0", "id": .string(id), "method": .string(method), "args": .array(args), "kwargs": kwargs]
}

extension RecordingConnection {
    /// Reads the next 2.x message (reassembling chunks) and decodes it.
    func nextV2(timeout: Duration = .seconds(5)) async throws -> MsgPackValue {
        var unchunker = WSLinkUnchunker()
        while true {
            guard let bytes = try await nextWritten(timeout: timeout).bytes else {
                throw WSLinkError(code: .malformedPayload, message: "expected a binary frame")
            }
            if let payload = try unchunker.receive(bytes, sizeLimit: .max, at: .now) {
                return try MsgPackValue(decoding: payload)
            }
        }
    }

    /// Says hello (2.x) and returns the client id from the reply.
    func helloV2(_ secret: String = "wslink-secret") async throws -> String {
        send(v2Frame(helloValue(secret)))
        let reply = try await nextV2()
        guard let id = reply["result"]?["clientID"]?.stringValue else {
            throw WSLinkError(code: .authenticationFailed, message: "hello refused: \(reply)")
        }
        return id
    }
}
