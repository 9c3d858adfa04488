import CrossComm
import SwitchboardCore
import Testing

@Suite("CrossComm hub state machine: persistence")
struct CrossCommHubStateMachinePersistenceTests {
    typealias Machine = CrossCommHubStateMachine
    let t0 = ContinuousClock.now
    let a = ConnectionID(rawValue: 1), b = ConnectionID(rawValue: 2)
    let queueing = CrossCommHub.Configuration(offlineQueue: .init(maxMessagesPerClient: 2, maxAge: .seconds(60)))

    func message(_ type: CrossCommMessageType, from: String, to: String = "server", text: String = "") -> CrossCommMessage {
        CrossCommMessage(type: type, content: .string(text), from: from, to: to, id: "\(from)_\(text)", timestamp: 1)
    }

    func persistentMachine() -> Machine {
        var machine = Machine(configuration: queueing, serverID: "hub")
        machine.restore(CrossCommStateSnapshot(), now: t0, wall: 1000)
        return machine
    }

    @Test("without a store nothing is kept")
    func nothingWithoutAStore() {
        var machine = Machine(configuration: queueing, serverID: "hub")
        _ = machine.receive(message(.login, from: "alice"), on: a, wall: 1, now: t0)
        _ = machine.receive(message(.text, from: "alice", to: "bob", text: "hi"), on: a, wall: 1, now: t0)
        #expect(machine.takeStoreChanges().isEmpty)
    }

    @Test("logins, offline, queueing and delivery become changes in order")
    func changesInOrder() throws {
        var machine = persistentMachine()
        _ = machine.receive(message(.login, from: "alice"), on: a, wall: 1001, now: t0)
        _ = machine.receive(message(.text, from: "alice", to: "bob", text: "one"), on: a, wall: 1002, now: t0)
        _ = machine.receive(message(.text, from: "alice", to: "bob", text: "two"), on: a, wall: 1002, now: t0)
        _ = machine.receive(message(.text, from: "alice", to: "bob", text: "three"), on: a, wall: 1002, now: t0)
        _ = machine.connectionClosed(a, now: t0)
        let changes = machine.takeStoreChanges()
        guard changes.count == 6,
              case .client(let login) = changes[0],
              case .queued(let one) = changes[1], case .queued(let two) = changes[2],
              case .unqueued(let dropped) = changes[3], case .queued(let three) = changes[4],
              case .client(let offline) = changes[5] else {
            Issue.record("unexpected changes: \(changes)")
            return
        }
        #expect(login.id == "alice" && login.loginTime == 1001)
        #expect([one.target, two.target, three.target] == ["bob", "bob", "bob"])
        #expect(dropped == [one.sequence], "over maxMessagesPerClient the oldest goes")
        #expect(three.text.contains("three") && three.sequence > two.sequence)
        #expect(offline.id == "alice")
        #expect(machine.takeStoreChanges().isEmpty, "taken once")

        let delivered = machine.receive(message(.login, from: "bob"), on: b, wall: 1003, now: t0)
        #expect(delivered.contains { if case .deliver(let queued, _) = $0 { queued.text == "two" } else { false } })
        #expect(machine.takeStoreChanges().contains(.queueCleared(target: "bob")))
    }

    @Test("a restored table is offline, in order, and delivers what was queued at the next login")
    func restore() {
        var machine = Machine(configuration: queueing, serverID: "hub")
        let queued = CrossCommMessage(type: .text, content: .string("while you were away"), from: "alice", to: "bob", id: "m1", timestamp: 1)
        machine.restore(CrossCommStateSnapshot(
            clients: [
                CrossCommStoredClient(id: "bob", sequence: 5, lastHeartbeat: 990, loginTime: 900),
                CrossCommStoredClient(id: "alice", sequence: 1, lastHeartbeat: 995, loginTime: 800),
            ],
            messages: [
                CrossCommStoredMessage(sequence: 7, target: "bob", text: queued.encoded, queuedAt: 990),
                CrossCommStoredMessage(sequence: 6, target: "bob", text: "stale", queuedAt: 900),
                CrossCommStoredMessage(sequence: 8, target: "carol", text: "not json", queuedAt: 999),
            ]
        ), now: t0, wall: 1000)
        #expect(machine.records.map(\.id) == ["alice", "bob"])
        #expect(machine.onlineClients.isEmpty)
        #expect(machine.records.first?.lastHeartbeat == 995)
        #expect(machine.queuedCounts == ["bob": 1])
        #expect(machine.takeStoreChanges() == [.unqueued(sequences: [6, 8])], "too old (100 s > 60 s) and undecodable")

        let actions = machine.receive(message(.login, from: "bob"), on: b, wall: 1001, now: t0 + .seconds(1))
        #expect(actions.contains { if case .deliver(let delivered, [b]) = $0 { delivered.id == "m1" && delivered.text == "while you were away" } else { false } })
        // New sequences continue after the stored ones.
        _ = machine.receive(message(.text, from: "bob", to: "dave", text: "x"), on: b, wall: 1001, now: t0)
        let sequences = machine.takeStoreChanges().compactMap { change -> Int64? in
            if case .queued(let stored) = change { stored.sequence } else { nil }
        }
        #expect(sequences.allSatisfy { $0 > 8 } && sequences.count == 1)
    }

    @Test("a hub without an offline queue restores the table and discards stored messages")
    func restoreWithoutQueue() {
        var machine = Machine(configuration: .default, serverID: "hub")
        machine.restore(CrossCommStateSnapshot(
            clients: [CrossCommStoredClient(id: "bob", sequence: 1, lastHeartbeat: 1, loginTime: 1)],
            messages: [CrossCommStoredMessage(sequence: 2, target: "bob", text: "{}", queuedAt: 999)]
        ), now: t0, wall: 1000)
        #expect(machine.records.map(\.id) == ["bob"])
        #expect(machine.takeStoreChanges() == [.unqueued(sequences: [2])])
    }
}
