import Siyi
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

@Suite("siyi over real sockets (127.0.0.1, port 0)", .timeLimit(.minutes(1)))
struct SiyiLoopbackTests {
    @Test("the original README scenario completes, on connect and all, without waiting on any timeout")
    func readmeScenario() async throws {
        let log = LogRecorder()
        let server = SiyiServer.readmeDemo(configuration: .init(heartbeat: nil), logger: log.logger)
        try await withLoopbackServer(server) { listener in
            let observer = SiyiClient(transport: webSocketClient(listener.webSocketURL()), logger: quietLogger)
            let notifications = EventLog<JSONValue>()
            observer.register("get_status") { _, _ in object(["status": .string("watching")]) }
            observer.onEvent("player_updated_notification") { data, _ in notifications.append(data) }
            observer.connect()
            #expect(await observer.waitConnected(timeout: .seconds(10)))

            let client = SiyiClient(transport: webSocketClient(listener.webSocketURL(path: "/ws")), logger: quietLogger)
            let asked = Recorder<String>()
            client.register("get_status") { _, peer in
                asked.append(peer.path)
                return object(["status": .string("running"), "players": .integer(5)])
            }
            client.connect()
            #expect(await client.waitConnected(timeout: .seconds(10)))
            let echo = try await client.request("echo", params: object(["message": .string("Hello, World!")]), timeout: .seconds(10))
            #expect(echo.data == object(["message": .string("Hello, World!")]) && echo.isSuccess)
            let unknown = try await client.request("nope", timeout: .seconds(10))
            #expect(unknown.error == "unknown command nope")
            let update = object(["player": .string("Steve"), "health": .integer(95)])
            try await client.send(event: "player_update", data: update)
            #expect(try await notifications.next(timeout: .seconds(10)) == update)
            try await waitUntil(.seconds(10), "get_status answered") {
                log.all.contains { $0.message == "get_status answered" && $0.metadata["siyi.data"] == #"{"status":"running","players":5}"# }
            }
            // No timing assertion (speed belongs in benchmarks; the demo transcript shows ~40 ms):
            // with the original's blocking on_connect the echo above could not be answered before
            // the server's 30 s get_status timeout, so its 10 s timeout would have failed the test.
            #expect(asked.values.count == 1, "get_status asked once, on connect")
            await client.disconnect()
            await observer.disconnect()
        }
    }

    @Test("broadcast_request over three peers: ok, error with an UPPERCASE id, silence → ok, error response, timeout")
    func broadcastRequest() async throws {
        let server = SiyiServer(configuration: .init(heartbeat: nil), logger: quietLogger)
        try await withLoopbackServer(server) { listener in
            let url = listener.webSocketURL()
            let library = SiyiClient(transport: webSocketClient(url), logger: quietLogger)
            library.register("who") { params, _ in
                #expect(params == object(["q": .integer(1)]))
                return object(["me": .string("c1")])
            }
            library.connect()
            #expect(await library.waitConnected(timeout: .seconds(10)))
            try await waitUntil(.seconds(10), "first peer") { server.peerCount == 1 }
            let libraryPeer = server.peers[0]

            let done = Gate()
            // Raw peer 2 answers with an error and an UPPERCASE copy of the id, omitting data.
            let raw = Task {
                try await webSocketClient(url).withConnection { connection in
                    for try await frame in connection.inbound {
                        guard case .request(let request) = try message(frame) else { continue }
                        try await connection.write(.text(
                            #"{"id": "\#(request.id.rawValue.uppercased())", "type": "response", "status": "error", "error": "raw2 says no"}"#
                        ))
                        await done.wait()
                        return
                    }
                }
            }
            try await waitUntil(.seconds(10), "second peer") { server.peerCount == 2 }
            let rawPeer = try #require(server.peers.first { $0 != libraryPeer })
            // Raw peer 3 never answers.
            let silent = Task {
                try await webSocketClient(url).withConnection { connection in
                    for try await _ in connection.inbound {}
                }
            }
            try await waitUntil(.seconds(10), "third peer") { server.peerCount == 3 }
            let silentPeer = try #require(server.peers.first { $0 != libraryPeer && $0 != rawPeer })

            let results = await server.broadcast(request: "who", params: object(["q": .integer(1)]), timeout: .milliseconds(500))
            #expect(results.count == 3)
            #expect((try? results[libraryPeer]?.get())?.data == object(["me": .string("c1")]))
            let rawResponse = try #require(try? results[rawPeer]?.get())
            #expect(rawResponse.outcome == .failure("raw2 says no"))
            #expect(rawResponse.id.rawValue == rawResponse.id.rawValue.lowercased())
            guard case .failure(let error)? = results[silentPeer] else { Issue.record("silent peer answered"); return }
            #expect(error.code == .timeout)
            #expect(await server.broadcast(request: "who", excluding: [libraryPeer, rawPeer, silentPeer]).isEmpty)

            done.open()
            _ = try await raw.value
            await library.disconnect()
            silent.cancel()
        }
    }

    @Test("the heartbeat closes a silent raw client with 4001")
    func heartbeatClosesSilentClient() async throws {
        let server = SiyiServer(
            configuration: .init(heartbeat: HeartbeatPolicy(interval: .milliseconds(100), timeout: .milliseconds(200))),
            logger: quietLogger
        )
        try await withLoopbackServer(server) { listener in
            let heard = Recorder<SiyiMessage>()
            let outcome = try await withTimeout(.seconds(10), "heartbeat close") {
                try await webSocketClient(listener.webSocketURL()).withConnection { connection in
                    for try await frame in connection.inbound { heard.append(try message(frame)) }
                }
            }
            #expect(outcome.closeCode == .heartbeatTimeout)
            guard case .request(let beat)? = heard.values.first else { Issue.record("no heartbeat"); return }
            #expect(beat.command == "heartbeat" && beat.params == .null)
        }
    }

    @Test("stop closes the listener and every connection")
    func stopClosesListener() async throws {
        let server = SiyiServer(configuration: .init(heartbeat: nil), logger: quietLogger)
        let url = try await withLoopbackServer(server) { listener in
            let url = listener.webSocketURL()
            let outcome = Task {
                try await webSocketClient(url).withConnection { connection in
                    for try await _ in connection.inbound {}
                }
            }
            try await waitUntil(.seconds(10), "peer") { server.peerCount == 1 }
            try await withTimeout(.seconds(10), "stop") { await server.stop() }
            #expect(try await outcome.value.closeCode == .goingAway)
            return url
        }
        let refused = await #expect(throws: SwitchboardError.self) {
            _ = try await webSocketClient(url).withConnection { _ in 0 }
        }
        #expect(refused?.code == .connectionFailed)
    }
}
