import Siyi
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("siyi server over the in-memory transport", .timeLimit(.minutes(1)))
struct SiyiServerTests {
    static let vectors = try! GoldenVectorFile.load("siyi")

    static func echoServer(_ configuration: SiyiServer.Configuration = .init(heartbeat: nil)) -> SiyiServer {
        let server = SiyiServer(configuration: configuration, logger: quietLogger)
        server.register("echo") { params, _ in params }
        return server
    }

    static func text(_ name: String) -> String { vectors.vector(named: name)!.text! }

    @Test("replies to the captured probe requests are byte-identical to the original's")
    func probeRepliesByteExact() async throws {
        try await withInMemoryServer(Self.echoServer()) { transport in
            let peer = try RawPeer(transport)
            for (request, reply) in [
                ("request.uppercase_id", "response.lowercased_id"),
                ("request.string_id", "response.string_id"),
                ("request.from_client", "response.ok.echo"),
                ("request.heartbeat_from_client", "response.heartbeat_from_client"),
            ] {
                peer.send(Self.text(request))
                #expect(try await peer.connection.nextWritten() == .text(Self.text(reply)), "\(request)")
            }
            // A binary frame is handled like text; the reply is text.
            peer.connection.send(.binary(Self.vectors.vector(named: "request.binary_frame")!.bytes!))
            #expect(try await peer.connection.nextWritten() == .text(Self.text("response.to_binary_frame")))
            // No id: answered with a fresh lowercase uuid, as the original.
            peer.send(Self.text("request.missing_id"))
            guard case .response(let generated) = try await peer.next() else { Issue.record("no response"); return }
            #expect(generated.isSuccess && generated.data == .null)
            #expect(generated.id.rawValue.count == 36 && generated.id.rawValue == generated.id.rawValue.lowercased())
        }
    }

    @Test("hostile input gets its documented answer and the server keeps serving everyone")
    func hostileInput() async throws {
        try await withInMemoryServer(Self.echoServer()) { transport in
            let hostile = try RawPeer(transport)
            let bystander = try RawPeer(transport)
            let probe = #"{"id":"still","type":"request","command":"echo","params":{"ok":true}}"#
            let probeReply = #"{"id":"still","type":"response","status":"ok","data":{"ok":true},"error":null}"#
            // Dropped without a reply (nothing recoverable): the next frame is the probe's answer.
            for dropped in ["hello{", "[1,2]", Self.text("invalid.unknown_type"), Self.text("response.unknown_id"),
                            Self.text("invalid.event_data_list"), #"{"type":"request","params":[1]}"#] {
                hostile.send(dropped)
                hostile.send(probe)
                #expect(try await hostile.connection.nextWritten() == .text(probeReply), "\(dropped)")
            }
            // Malformed requests with an id get an error response (decision S3), numeric ids echoed.
            hostile.send(Self.text("invalid.numeric_id"))
            #expect(try await hostile.connection.nextWritten()
                == .text(#"{"id":7,"type":"response","status":"error","data":null,"error":"invalid request: id must be a string"}"#))
            hostile.send(Self.text("invalid.params_list"))
            #expect(try await hostile.connection.nextWritten()
                == .text(#"{"id":"p1","type":"response","status":"error","data":null,"error":"invalid request: params must be an object or null"}"#))
            // The other peer never noticed.
            bystander.send(probe)
            #expect(try await bystander.connection.nextWritten() == .text(probeReply))
            #expect(bystander.connection.closeFrame == nil && hostile.connection.closeFrame == nil)
        }
    }

    @Test("10 000 requests in flight from one client: 64 handled, the rest refused at once, others unaffected")
    func tenThousandInFlight() async throws {
        let gate = Gate()
        let server = Self.echoServer(.init(heartbeat: nil, maxInFlightPerPeer: 64))
        server.register("hold") { params, _ in
            await gate.wait()
            return params
        }
        try await withInMemoryServer(server) { transport in
            let flood = try RawPeer(transport)
            for index in 0..<10_000 {
                flood.send(#"{"id":"h\#(index)","type":"request","command":"hold","params":{"i":\#(index)}}"#)
            }
            var refused = Set<String>()
            for _ in 0..<(10_000 - 64) {
                guard case .response(let response) = try await flood.next() else { Issue.record("not a response"); return }
                #expect(response.error == "too many requests in flight (limit 64)")
                refused.insert(response.id.rawValue)
            }
            #expect(refused.count == 10_000 - 64)
            let peer = try #require(server.peers.first)
            #expect(server.handlersInFlight(for: peer) == 64)
            // Another client is served while the flood's handlers are held.
            let other = try RawPeer(transport)
            other.send(#"{"id":"x","type":"request","command":"echo","params":null}"#)
            #expect(try await other.connection.nextWritten() == .text(#"{"id":"x","type":"response","status":"ok","data":null,"error":null}"#))
            gate.open()
            var answered = Set<String>()
            for _ in 0..<64 {
                guard case .response(let response) = try await flood.next() else { Issue.record("not a response"); return }
                #expect(response.isSuccess)
                answered.insert(response.id.rawValue)
            }
            #expect(answered.isDisjoint(with: refused) && answered.count == 64)
            try await waitUntil(.seconds(5), "handlers finished") { server.handlersInFlight(for: peer) == 0 }
        }
    }

    @Test("a silent peer is closed after interval + timeout; an answering peer stays (3 s to answer: generous under load)")
    func heartbeat() async throws {
        let server = Self.echoServer(.init(heartbeat: HeartbeatPolicy(interval: .milliseconds(50), timeout: .seconds(3))))
        try await withInMemoryServer(server) { transport in
            let silent = try RawPeer(transport)
            let alive = try RawPeer(transport)
            // The answering peer runs alongside; it must outlive the silent one's deadline.
            let answering = Task {
                for _ in 0..<6 {
                    guard case .request(let beat) = try await alive.next() else { throw SiyiError(code: .invalidResponse, message: "not a request") }
                    alive.send(SiyiMessage.response(.success(id: beat.id, data: object(["status": .string("alive")]))).encoded())
                }
            }
            guard case .request(let first) = try await silent.next() else { Issue.record("no heartbeat"); return }
            #expect(first.command == "heartbeat" && first.params == .null)
            #expect(try await silent.connection.waitForClose() == .heartbeatTimeout)
            try await answering.value
            #expect(alive.connection.closeFrame == nil)
            try await waitUntil(.seconds(5), "silent peer removed") { server.peerCount == 1 }
        }
    }

    @Test("a pending request fails at once when its peer disconnects, not at its timeout")
    func pendingFailsOnDisconnect() async throws {
        let server = Self.echoServer()
        try await withInMemoryServer(server) { transport in
            let raw = try RawPeer(transport)
            try await waitUntil(.seconds(5), "peer registered") { server.peerCount == 1 }
            let peer = try #require(server.peers.first)
            let asking = Task { try await server.send(request: "slow", to: peer, timeout: .seconds(60)) }
            guard case .request(let request) = try await raw.next() else { Issue.record("no request"); return }
            #expect(request.command == "slow")
            #expect(server.pendingRequestCount(for: peer) == 1)
            raw.connection.disconnect()
            let error = await #expect(throws: SiyiError.self) {
                try await withTimeout(.seconds(5), "failure after disconnect") { try await asking.value }
            }
            #expect(error?.code == .connectionClosed)
            #expect(server.pendingRequestCount(for: peer) == 0)
            let gone = await #expect(throws: SiyiError.self) { try await server.send(request: "x", to: peer) }
            #expect(gone?.code == .notConnected)
        }
    }

    @Test("pending tables are per connection: a response on another connection completes nothing")
    func pendingIsPerConnection() async throws {
        let server = Self.echoServer()
        try await withInMemoryServer(server) { transport in
            let asked = try RawPeer(transport)
            let impostor = try RawPeer(transport)
            try await waitUntil(.seconds(5), "peers registered") { server.peerCount == 2 }
            let peer = try #require(server.peers.first)
            let asking = Task { try await server.send(request: "q", to: peer, timeout: .milliseconds(300)) }
            guard case .request(let request) = try await asked.next() else { Issue.record("no request"); return }
            impostor.send(SiyiMessage.response(.success(id: request.id, data: .integer(1))).encoded())
            let error = await #expect(throws: SiyiError.self) { try await asking.value }
            #expect(error?.code == .timeout)
        }
    }

    @Test("broadcast event: one id for every recipient, the excluded peer gets nothing")
    func broadcastEvent() async throws {
        let server = Self.echoServer()
        try await withInMemoryServer(server) { transport in
            let peers = try (0..<3).map { _ in try RawPeer(transport) }
            try await waitUntil(.seconds(5), "peers registered") { server.peerCount == 3 }
            let excluded = server.peers[2]
            #expect(try server.broadcast(event: "news", data: object(["n": .integer(1)]), excluding: [excluded]) == 2)
            let first = try await peers[0].next()
            let second = try await peers[1].next()
            #expect(first == second)
            guard case .event(let event) = first else { Issue.record("not an event"); return }
            #expect(event.name == "news" && event.data == object(["n": .integer(1)]))
            #expect(peers[2].connection.written.isEmpty)
            #expect(throws: SiyiError.self) { try server.broadcast(event: "bad", data: .array([])) }
        }
    }

    @Test("handlers: typed, fallback, throwing, events by name")
    func handlers() async throws {
        struct Add: Codable { var a: Int; var b: Int }
        let events = Recorder<String>()
        let server = SiyiServer(configuration: .init(heartbeat: nil), logger: quietLogger)
        server.register("add", as: Add.self) { add, _ in add.a + add.b }
        server.register("boom") { _, _ in throw SiyiError.failure("kaboom") }
        server.onEvent("ping") { data, _ in events.append("ping \(data)") }
        server.onAnyEvent { event, _ in events.append("other \(event.name)") }
        try await withInMemoryServer(server) { transport in
            let raw = try RawPeer(transport)
            raw.send(#"{"id":"1","type":"request","command":"add","params":{"a":2,"b":3}}"#)
            #expect(try await raw.connection.nextWritten() == .text(#"{"id":"1","type":"response","status":"ok","data":5,"error":null}"#))
            raw.send(#"{"id":"2","type":"request","command":"add","params":{"a":2}}"#)
            guard case .response(let bad) = try await raw.next() else { Issue.record("no response"); return }
            #expect(bad.error?.hasPrefix("cannot decode Add") == true)
            raw.send(#"{"id":"3","type":"request","command":"boom"}"#)
            #expect(try await raw.connection.nextWritten() == .text(#"{"id":"3","type":"response","status":"error","data":null,"error":"kaboom"}"#))
            raw.send(#"{"id":"4","type":"request","command":"nope"}"#)
            #expect(try await raw.connection.nextWritten() == .text(#"{"id":"4","type":"response","status":"error","data":null,"error":"unknown command nope"}"#))
            server.registerFallback { request, _ in .string("fallback \(request.command)") }
            raw.send(#"{"id":"5","type":"request","command":"nope"}"#)
            #expect(try await raw.connection.nextWritten() == .text(#"{"id":"5","type":"response","status":"ok","data":"fallback nope","error":null}"#))
            raw.send(#"{"type":"event","name":"ping","data":{"x":1}}"#)
            raw.send(#"{"id":"e","type":"event","name":"pong"}"#)
            try await waitUntil(.seconds(5), "events delivered") { events.values.count == 2 }
            #expect(Set(events.values) == [#"ping {"x":1}"#, "other pong"])
        }
    }

    @Test("stop closes every connection with 1001 and refuses new ones")
    func stop() async throws {
        let server = Self.echoServer()
        let transport = InMemoryServerTransport()
        let running = Task { try await server.run(on: transport) }
        let raw = try RawPeer(transport)
        try await waitUntil(.seconds(5), "peer registered") { server.peerCount == 1 }
        try await withTimeout(.seconds(10), "stop") { await server.stop() }
        #expect(try await raw.connection.waitForClose() == .goingAway)
        try await withTimeout(.seconds(10), "run end") { try await running.value }
        #expect(throws: SwitchboardError.self) { try transport.connect(adapter: "siyi") }
        #expect(server.peerCount == 0)
    }
}
