import ServiceLifecycle
import Testing
@testable import SwitchboardCore
import SwitchboardTesting

/// Sends a greeting and returns without closing: the server must close with 1000.
struct GreeterAdapter: AsyncProtocolAdapter {
    var name = "greeter"

    func handle(_ connection: Connection, session: Session) async {
        try? await session.send(.text("hello"))
    }
}

/// Closes with its own code before returning: the server must not override it with 1000.
struct RejectingAdapter: AsyncProtocolAdapter {
    var name = "rejecting"

    func handle(_ connection: Connection, session: Session) async {
        try? await session.send(.text("denied"))
        session.close(code: .unauthorized, reason: "bad token")
    }
}

/// On every inbound "go", queues five frames without waiting, then reports the burst.
struct BurstAdapter: AsyncProtocolAdapter {
    var name = "burst"
    let bursts = Watched(0)

    static let frames = (1...5).map { Frame.text("b\($0)") }

    func handle(_ connection: Connection, session: Session) async {
        do {
            for try await frame in connection.inbound where frame == .text("go") {
                for burst in Self.frames { session.offer(burst) }
                bursts.update { $0 += 1 }
            }
        } catch {}
    }
}

@Suite("SwitchboardServer over the in-memory transport")
struct SwitchboardServerTests {
    @Test func routesEachConnectionToItsAdapterByName() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [EchoAdapter(), GreeterAdapter()]) { server, _ in
            let echo = try transport.connect(adapter: "echo", path: "/ws")
            echo.send(.text("hi"))
            echo.send(.binary([0, 1, 2]))
            #expect(try await echo.nextWritten() == .text("hi"))
            #expect(try await echo.nextWritten() == .binary([0, 1, 2]))

            let greeter = try transport.connect(adapter: "greeter")
            #expect(try await greeter.nextWritten() == .text("hello"))
            #expect(try await greeter.waitForClose() == .normal)

            let session = try #require(server.sessions.session(echo.connection.info.id))
            #expect(session.adapter == "echo")
            #expect(session.info.path == "/ws")
            #expect(echo.closeFrame == nil)
        }
    }

    @Test func adapterReturningWithoutClosingGetsNormalClose() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [GreeterAdapter()]) { server, _ in
            let peer = try transport.connect(adapter: "greeter")
            #expect(try await peer.waitForClose() == .normal)
            #expect(peer.written == [.text("hello")])
            try await waitUntil(.seconds(5), "session removed") { server.sessions.count == 0 }
            #expect(server.sessions.currentStatistics.opened == 1)
            #expect(server.sessions.currentStatistics.closed == 1)
        }
    }

    @Test func adapterChosenCloseCodeWins() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [RejectingAdapter()]) { _, _ in
            let peer = try transport.connect(adapter: "rejecting")
            #expect(try await peer.waitForClose() == .unauthorized)
            #expect(peer.written == [.text("denied")])
            #expect(peer.closeFrame?.reason == "bad token")
        }
    }

    @Test func unknownAdapterIsClosedWithAdapterUnavailable() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [EchoAdapter()]) { server, _ in
            let peer = try transport.connect(adapter: "nope")
            #expect(try await peer.waitForClose() == .adapterUnavailable)
            #expect(peer.closeFrame?.reason == "no nope adapter on this server")
            #expect(peer.written == [])
            #expect(server.sessions.count == 0)
            #expect(server.sessions.currentStatistics.opened == 0)
        }
    }

    @Test func sessionCountFollowsConnections() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [EchoAdapter()]) { server, _ in
            #expect(server.sessions.count == 0)
            let first = try transport.connect(adapter: "echo")
            let second = try transport.connect(adapter: "echo")
            first.send(.text("1"))
            second.send(.text("2"))
            #expect(try await first.nextWritten() == .text("1"))
            #expect(try await second.nextWritten() == .text("2"))
            #expect(server.sessions.count == 2)
            #expect(Set(server.sessions.sessions(adapter: "echo").map(\.id)) == [first.connection.info.id, second.connection.info.id])

            first.disconnect()
            #expect(try await first.waitForClose() == .normal)
            try await waitUntil(.seconds(5), "first session removed") { server.sessions.count == 1 }
            #expect(server.sessions.session(first.connection.info.id) == nil)
            #expect(server.sessions.session(second.connection.info.id) != nil)

            second.disconnect()
            #expect(try await second.waitForClose() == .normal)
            try await waitUntil(.seconds(5), "second session removed") { server.sessions.count == 0 }
            #expect(server.sessions.currentStatistics == SessionManager.Statistics(opened: 2, closed: 2, droppedFrames: 0, overflowCloses: 0))
        }
    }

    @Test func gracefulShutdownFlushesQueuedFramesThenClosesWithGoingAway() async throws {
        let transport = InMemoryServerTransport(drainTimeout: .seconds(60))
        let burst = BurstAdapter()
        let sessions = SessionManager(drainTimeout: .seconds(60), logger: testLogger)
        try await withServer(transport: transport, adapters: [burst], sessions: sessions) { server, serviceGroup in
            let peer = try transport.connect(adapter: "burst")
            // The peer stops reading: the burst stays queued.
            peer.setWritable(false)
            peer.send(.text("go"))
            try await burst.bursts.wait("burst queued") { $0 == 1 }
            let session = try #require(server.sessions.session(peer.connection.info.id))
            try await waitUntil(.seconds(5), "burst queued") { session.queuedFrames == BurstAdapter.frames.count }

            await serviceGroup.triggerGracefulShutdown()
            try await waitUntil(.seconds(5), "session asked to close") { session.isClosing }
            // Still flushing: the close waits for the queued frames.
            #expect(peer.closeFrame == nil)
            #expect(peer.written == [])

            peer.setWritable(true)
            #expect(try await peer.waitForClose() == .goingAway)
            #expect(peer.written == BurstAdapter.frames)
            #expect(peer.closeFrame?.reason == "server shutting down")
        }
        // run() returned (withServer waited for it); the transport accepts nothing more.
        #expect(sessions.count == 0)
        #expect(throws: SwitchboardError.self) { try transport.connect(adapter: "burst") }
    }

    @Test func gracefulShutdownClosesEveryPeerAndReturns() async throws {
        let transport = InMemoryServerTransport()
        let sessions = SessionManager(logger: testLogger)
        try await withServer(transport: transport, adapters: [EchoAdapter(), BurstAdapter()], sessions: sessions) { server, serviceGroup in
            let peers = try (0..<3).map { _ in try transport.connect(adapter: "echo") } + [transport.connect(adapter: "burst")]
            for (index, peer) in peers.enumerated() where index < 3 {
                peer.send(.text("ping \(index)"))
                #expect(try await peer.nextWritten() == .text("ping \(index)"))
            }
            try await waitUntil(.seconds(5), "all sessions open") { server.sessions.count == 4 }

            await serviceGroup.triggerGracefulShutdown()
            for peer in peers {
                #expect(try await peer.waitForClose() == .goingAway)
            }
        }
        #expect(sessions.count == 0)
        #expect(sessions.currentStatistics.opened == 4)
        #expect(sessions.currentStatistics.closed == 4)
        let error = #expect(throws: SwitchboardError.self) { try transport.connect(adapter: "echo") }
        #expect(error?.code == .connectionFailed)
    }

    @Test func inMemoryClientTransportRoundTrip() async throws {
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [EchoAdapter()]) { server, _ in
            let client = transport.client(adapter: "echo", path: "/echo")
            let outcome = try await client.withConnection { connection in
                #expect(connection.info.route.adapter == "echo")
                #expect(connection.info.path == "/echo")
                try await connection.write(.text("one"))
                try await connection.write(.binary([2]))
                var inbound = connection.inbound.makeAsyncIterator()
                let first = try await inbound.next()
                let second = try await inbound.next()
                return [first, second]
            }
            #expect(outcome.result == [.text("one"), .binary([2])])
            // The client closed first: no server close code.
            #expect(outcome.closeCode == nil)
            #expect(outcome.closeReason == nil)
            // The client closed: the server's session ends.
            try await waitUntil(.seconds(5), "session removed") { server.sessions.count == 0 }
            #expect(server.sessions.currentStatistics.opened == 1)
        }
    }

    @Test func inMemoryClientTransportClosesWhenBodyThrows() async throws {
        struct Oops: Error {}
        let transport = InMemoryServerTransport()
        try await withServer(transport: transport, adapters: [EchoAdapter()]) { server, _ in
            let client = transport.client(adapter: "echo")
            await #expect(throws: Oops.self) {
                try await client.withConnection { connection in
                    try await connection.write(.text("x"))
                    var inbound = connection.inbound.makeAsyncIterator()
                    _ = try await inbound.next()
                    throw Oops()
                }
            }
            try await waitUntil(.seconds(5), "session removed") { server.sessions.count == 0 }
        }
    }

    @Test func connectionsQueuedBeforeTheServerRunsAreServed() async throws {
        let transport = InMemoryServerTransport()
        let early = try transport.connect(adapter: "echo")
        early.send(.text("early"))
        try await withServer(transport: transport, adapters: [EchoAdapter()]) { _, _ in
            let echoed = try await early.nextWritten()
            #expect(echoed == .text("early"))
        }
        #expect(try await early.waitForClose() == .goingAway)
    }
}
