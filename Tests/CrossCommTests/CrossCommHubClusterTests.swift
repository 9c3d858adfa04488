import CrossComm
import SwitchboardCore
import Testing

@Suite("CrossComm hub state machine in a cluster")
struct CrossCommHubClusterTests {
    typealias Machine = CrossCommHubStateMachine
    let t0 = ContinuousClock.now
    let a = ConnectionID(rawValue: 1), b = ConnectionID(rawValue: 2)

    func message(_ type: CrossCommMessageType, from: String, to: String = "server", content: JSONValue = .object([])) -> CrossCommMessage {
        CrossCommMessage(type: type, content: content, from: from, to: to, id: "\(from)_m", timestamp: 1)
    }

    func clustered(_ ids: [(String, ConnectionID)]) -> Machine {
        var machine = Machine(configuration: .init(offlineQueue: .init()), serverID: "hub")
        machine.isClustered = true
        for (id, connection) in ids { _ = machine.receive(message(.login, from: id), on: connection, wall: 1, now: t0) }
        return machine
    }

    @Test("a standalone hub never emits cluster actions")
    func standalone() {
        var machine = Machine(configuration: .default, serverID: "hub")
        let login = machine.receive(message(.login, from: "alice"), on: a, wall: 1, now: t0)
        let all = message(.text, from: "alice", to: "all")
        let actions = login + machine.receive(all, on: a, wall: 2, now: t0) + machine.connectionClosed(a, now: t0)
        #expect(!actions.contains { if case .cluster = $0 { true } else { false } })
    }

    @Test("login and logout are announced; a broadcast is forwarded to every node")
    func announcements() {
        var machine = Machine(configuration: .default, serverID: "hub")
        machine.isClustered = true
        let login = machine.receive(message(.login, from: "alice"), on: a, wall: 7, now: t0)
        #expect(login.last == .cluster(.online(id: "alice", loginTime: 7)))
        let all = message(.text, from: "alice", to: "all")
        #expect(machine.receive(all, on: a, wall: 8, now: t0) == [.cluster(.forward(all, node: nil)), .notifyListeners(all)])
        #expect(machine.connectionClosed(a, now: t0) == [.cluster(.offline(id: "alice"))])
    }

    @Test("a message to a client on another node is forwarded to that node, not queued")
    func directedToRemote() {
        var machine = clustered([("alice", a)])
        _ = machine.remoteOnline("carol", node: "c", loginTime: 2, now: t0)
        let direct = message(.dict, from: "alice", to: "carol")
        #expect(machine.receive(direct, on: a, wall: 3, now: t0) == [.cluster(.forward(direct, node: "c")), .notifyListeners(direct)])
        machine.nodeDown("c")
        let actions = machine.receive(direct, on: a, wall: 4, now: t0)
        #expect(actions == [.notifyListeners(direct)], "after node c is down, carol is offline: queued here")
        #expect(machine.statistics.queuedOffline == 1)
    }

    @Test("a newer login on another node replaces this node's connection; queued messages follow the client")
    func newerLoginElsewhereWins() {
        var machine = clustered([("alice", a), ("bob", b)])
        let queued = message(.text, from: "alice", to: "dave")
        _ = machine.receive(queued, on: a, wall: 2, now: t0)
        let replaced = machine.remoteOnline("bob", node: "c", loginTime: 5, now: t0)
        #expect(replaced == [.close(b, .replaced, reason: #"client id "bob" logged in on node "c""#)])
        #expect(machine.remoteOnline("dave", node: "c", loginTime: 6, now: t0) == [.cluster(.forward(queued, node: "c"))])
        #expect(machine.connectionClosed(b, now: t0).isEmpty, "the replaced connection's close does not take bob offline")
        #expect(Set(machine.clusterOnline) == ["alice", "bob", "dave"])
        #expect(machine.remoteOnline("alice", node: "c", loginTime: 0.5, now: t0).isEmpty, "an older login elsewhere loses")
    }

    @Test("list_clients lists the whole cluster by login time; a remote logout removes the client")
    func listClients() throws {
        var machine = clustered([("alice", a)])
        _ = machine.remoteOnline("carol", node: "c", loginTime: 0.5, now: t0)
        let actions = machine.receive(message(.listClients, from: "alice", content: .string(#"{"only_show_online": true}"#)), on: a, wall: 2, now: t0)
        guard case .reply(let reply)? = actions.first, case .string(let text) = reply.content else { Issue.record("no reply"); return }
        let table = try JSONValue(parsing: text)
        #expect(table["clients"]?.arrayValue?.compactMap { $0["client_id"]?.stringValue } == ["carol", "alice"])
        machine.remoteOffline("carol", node: "other")
        #expect(machine.clusterOnline.contains("carol"), "only the node carol is on may take it offline")
        machine.remoteOffline("carol", node: "c")
        #expect(machine.clusterOnline == ["alice"])
    }

    @Test("a message from another node is delivered here only")
    func fromCluster() {
        var machine = clustered([("alice", a), ("bob", b)])
        let all = message(.text, from: "carol", to: "all")
        #expect(machine.receiveFromCluster(all, now: t0) == [.deliver(all, to: [a, b])])
        #expect(machine.isClustered)
    }
}
