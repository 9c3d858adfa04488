import Testing
import SwitchboardCore
import SwitchboardTesting

/// Closes connection n with `codes[n - 1]` (the last code repeats).
struct ScriptedCloseAdapter: AsyncProtocolAdapter {
    var name = "scripted"
    let codes: [CloseCode]
    let connections = Watched(0)

    func handle(_ connection: Connection, session: Session) async {
        let n = connections.update { count -> Int in
            count += 1
            return count
        }
        try? await session.send(.text("connection \(n)"))
        session.close(code: codes[min(n, codes.count) - 1], reason: "scripted \(n)")
    }
}

/// A client transport whose connection attempts always fail.
struct RefusingClientTransport: ClientTransport {
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (Connection) async throws -> Result
    ) async throws -> ClientConnectionOutcome<Result> {
        throw SwitchboardError(code: .connectionFailed, message: "refused")
    }
}

@Suite("ReconnectLoop")
struct ReconnectLoopTests {
    typealias Event = ReconnectLoop<InMemoryClientTransport>.Event

    static let fast = ReconnectPolicy(initialDelay: .milliseconds(1), multiplier: 2, maxDelay: .milliseconds(4), jitter: 0)

    @Test func terminalCloseCodeStopsTheLoop() async throws {
        let transport = InMemoryServerTransport()
        let adapter = ScriptedCloseAdapter(codes: [.unauthorized])
        try await withServer(transport: transport, adapters: [adapter]) { _, _ in
            let events = Watched<[Event]>([])
            let received = Watched<[Frame]>([])
            let loop = ReconnectLoop(transport: transport.client(adapter: "scripted"), policy: Self.fast, logger: testLogger) { event in
                events.update { $0.append(event) }
            }
            let code = try await withTimeout(.seconds(5)) {
                try await loop.run { connection in
                    for try await frame in connection.inbound { received.update { $0.append(frame) } }
                }
            }
            #expect(code == .unauthorized)
            #expect(received.value == [.text("connection 1")])
            #expect(events.value == [
                .connecting(attempt: 1), .connected, .disconnected(closeCode: .unauthorized),
                .stopped("server closed with unauthorized(4502)"),
            ])
            #expect(adapter.connections.value == 1)
        }
    }

    @Test func reconnectableCloseCodesReconnectAfterTheBackoffDelay() async throws {
        let transport = InMemoryServerTransport()
        let adapter = ScriptedCloseAdapter(codes: [.tryAgainLater, .goingAway, .replaced])
        // A max delay far beyond any test connection's life, so no connection counts as stable.
        var policy = Self.fast
        policy.maxDelay = .seconds(60)
        try await withServer(transport: transport, adapters: [adapter]) { _, _ in
            let events = Watched<[Event]>([])
            let loop = ReconnectLoop(transport: transport.client(adapter: "scripted"), policy: policy, logger: testLogger) { event in
                events.update { $0.append(event) }
            }
            let code = try await withTimeout(.seconds(5)) {
                try await loop.run { connection in
                    for try await _ in connection.inbound {}
                }
            }
            #expect(code == .replaced)
            // Connections that drop at once do not reset the backoff: the delay keeps growing.
            #expect(events.value == [
                .connecting(attempt: 1), .connected, .disconnected(closeCode: .tryAgainLater), .waiting(.milliseconds(1)),
                .connecting(attempt: 2), .connected, .disconnected(closeCode: .goingAway), .waiting(.milliseconds(2)),
                .connecting(attempt: 3), .connected, .disconnected(closeCode: .replaced),
                .stopped("server closed with replaced(4501)"),
            ])
            #expect(adapter.connections.value == 3)
        }
    }

    @Test func failedConnectsBackOffUntilAttemptsAreExhausted() async throws {
        let events = Watched<[ReconnectLoop<RefusingClientTransport>.Event]>([])
        var policy = Self.fast
        policy.maxAttempts = 3
        let loop = ReconnectLoop(transport: RefusingClientTransport(), policy: policy, logger: testLogger) { event in
            events.update { $0.append(event) }
        }
        let error = await #expect(throws: SwitchboardError.self) {
            try await withTimeout(.seconds(5)) { try await loop.run { _ in } }
        }
        #expect(error?.code == .attemptsExhausted)
        let failed = ReconnectLoop<RefusingClientTransport>.Event.connectFailed("connectionFailed: refused")
        #expect(events.value == [
            .connecting(attempt: 1), failed, .waiting(.milliseconds(1)),
            .connecting(attempt: 2), failed, .waiting(.milliseconds(2)),
            .connecting(attempt: 3), failed, .waiting(.milliseconds(4)),
            .connecting(attempt: 4), failed,
            .stopped("gave up after 3 attempts"),
        ])
    }

    @Test func neverPolicyGivesUpAfterTheFirstFailure() async throws {
        let events = Watched<[ReconnectLoop<RefusingClientTransport>.Event]>([])
        let loop = ReconnectLoop(transport: RefusingClientTransport(), policy: .never, logger: testLogger) { event in
            events.update { $0.append(event) }
        }
        let error = await #expect(throws: SwitchboardError.self) {
            try await withTimeout(.seconds(5)) { try await loop.run { _ in } }
        }
        #expect(error?.code == .attemptsExhausted)
        #expect(events.value.count == 3)
        #expect(events.value.last == .stopped("gave up after 0 attempts"))
    }

    @Test func cancellationWhileWaitingStopsTheLoop() async throws {
        let events = Watched<[ReconnectLoop<RefusingClientTransport>.Event]>([])
        let policy = ReconnectPolicy(initialDelay: .seconds(600), maxDelay: .seconds(600), jitter: 0)
        let loop = ReconnectLoop(transport: RefusingClientTransport(), policy: policy, logger: testLogger) { event in
            events.update { $0.append(event) }
        }
        let outcome = Watched<SwitchboardError.Code?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await loop.run { _ in }
                } catch let error as SwitchboardError {
                    outcome.update { $0 = error.code }
                }
            }
            try await events.wait("loop waiting") { $0.contains(.waiting(.seconds(600))) }
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(outcome.value == .cancelled)
        #expect(events.value.last == .stopped("cancelled"))
    }
}
