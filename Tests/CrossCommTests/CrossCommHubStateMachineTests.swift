import CrossComm
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("CrossComm hub state machine")
struct CrossCommHubStateMachineTests {
    typealias Machine = CrossCommHubStateMachine
    let t0 = ContinuousClock.now
    let a = ConnectionID(rawValue: 1), b = ConnectionID(rawValue: 2), c = ConnectionID(rawValue: 3)

    func message(_ type: CrossCommMessageType, from: String, to: String = "server", content: JSONValue = .object([]), wall: Double = 1) -> CrossCommMessage {
        CrossCommMessage(type: type, content: content, from: from, to: to, id: "\(from)_m", timestamp: wall)
    }

    func loggedIn(_ ids: [(String, ConnectionID)], configuration: CrossCommHub.Configuration = .default) -> Machine {
        var machine = Machine(configuration: configuration, serverID: "hub")
        for (id, connection) in ids { _ = machine.receive(message(.login, from: id), on: connection, wall: 1, now: t0) }
        return machine
    }

    @Test("login_response matches the captured vector except for the random msg_id suffix")
    func loginResponseVector() throws {
        let vector = try #require(CrossCommMessageTests.file.vector(named: "login_response")?.text)
        var machine = Machine(configuration: .default, serverID: "02fc00000001_3b861fb9")
        let actions = machine.receive(message(.login, from: "alice"), on: a, wall: 1795306411.2486937, now: t0)
        guard case .reply(var reply)? = actions.first else { Issue.record("no reply: \(actions)"); return }
        #expect(reply.id.hasPrefix("02fc00000001_3b861fb9_1795306411248_"))
        reply.id = "02fc00000001_3b861fb9_1795306411248_a6164af9"
        #expect(reply.encoded == vector)
    }

    @Test("list_clients_response reproduces the captured vector for the same table")
    func listClientsVector() throws {
        let vector = try #require(CrossCommMessageTests.file.vector(named: "list_clients_response")?.text)
        var machine = Machine(configuration: .default, serverID: "hub")
        _ = machine.receive(message(.login, from: "sniffer"), on: a, wall: 1795306409.4897053, now: t0)
        _ = machine.receive(message(.login, from: "alice"), on: b, wall: 1795306411.247582, now: t0)
        _ = machine.receive(message(.heartbeat, from: "alice"), on: b, wall: 1795306411.2514534, now: t0)
        _ = machine.receive(message(.login, from: "bob"), on: c, wall: 1795306411.2565193, now: t0)
        _ = machine.receive(message(.heartbeat, from: "bob"), on: c, wall: 1795306411.2587008, now: t0)
        let response = machine.listClientsResponse(to: "bob", onlyOnline: false, wall: 1795306413.8800719, id: "f17cafa7-4145-4c60-a35a-0ac72cd04ac0")
        #expect(response.encoded == vector)
    }

    @Test("list_clients content: string, object, null and {} as pywayne reads them")
    func onlyOnlineParsing() {
        var machine = loggedIn([("bob", a)])
        func flag(_ content: JSONValue) -> Bool? {
            let actions = machine.receive(message(.listClients, from: "bob", content: content), on: a, wall: 2, now: t0)
            guard case .reply(let reply)? = actions.first, let table = reply.jsonValue else { return nil }
            return table["only_show_online"]?.boolValue
        }
        #expect(flag(.string(#"{"only_show_online": true}"#)) == true)
        #expect(flag(.object([.init(key: "only_show_online", value: .bool(true))])) == true)
        #expect(flag(.null) == false)
        #expect(flag(.object([])) == false)
        #expect(flag(.string("not json")) == false)
    }

    @Test("broadcast reaches every online client except the sender; directed reaches only the target")
    func routing() {
        var machine = loggedIn([("alice", a), ("bob", b), ("carol", c)])
        let all = message(.text, from: "alice", to: "all", content: .string("hi"))
        #expect(machine.receive(all, on: a, wall: 2, now: t0) == [.deliver(all, to: [b, c]), .notifyListeners(all)])
        let direct = message(.dict, from: "bob", to: "carol", content: .object([]))
        #expect(machine.receive(direct, on: b, wall: 2, now: t0) == [.deliver(direct, to: [c]), .notifyListeners(direct)])
        #expect(machine.statistics.forwarded == 3)
    }

    @Test("duplicate login: the newer connection wins, the older is closed with 4501, and its close does not take the id offline")
    func duplicateLogin() {
        var machine = loggedIn([("alice", a)])
        let actions = machine.receive(message(.login, from: "alice"), on: b, wall: 2, now: t0)
        #expect(actions.first == .close(a, .replaced, reason: #"client id "alice" logged in on another connection"#))
        _ = machine.connectionClosed(a, now: t0)
        #expect(machine.onlineClients == ["alice"])
        #expect(machine.records.first?.connection == b)
        #expect(machine.statistics.replaced == 1)
    }

    @Test("spoofing: wrong from_client_id, no login, and server-only types are dropped")
    func spoofing() {
        var machine = loggedIn([("alice", a), ("bob", b)])
        let forged = message(.text, from: "alice", to: "bob", content: .string("x"))
        #expect(machine.receive(forged, on: b, wall: 2, now: t0) == [.drop(.spoofedSender(claimed: "alice", loggedInAs: "bob"))])
        #expect(machine.receive(forged, on: c, wall: 2, now: t0) == [.drop(.notLoggedIn(type: .text))])
        let fakeLogin = message(.loginResponse, from: "server", to: "bob", content: .object([]))
        #expect(machine.receive(fakeLogin, on: a, wall: 2, now: t0) == [.drop(.serverOriginatedType(.loginResponse))])
        #expect(machine.statistics.spoofed == 2)
        #expect(machine.statistics.notLoggedIn == 1)
    }

    @Test("reserved ids cannot log in")
    func reserved() {
        var machine = Machine(configuration: .default)
        for id in ["all", "server", ""] {
            let actions = machine.receive(message(.login, from: id), on: a, wall: 1, now: t0)
            #expect(actions.contains { if case .close(_, .policyViolation, _) = $0 { true } else { false } })
        }
        #expect(machine.records.isEmpty)
    }

    @Test("re-login under a new id on the same connection releases the old id")
    func reloginNewID() {
        var machine = loggedIn([("alice", a)])
        _ = machine.receive(message(.login, from: "alice2"), on: a, wall: 2, now: t0)
        #expect(machine.onlineClients == ["alice2"])
        #expect(machine.records.map(\.id) == ["alice", "alice2"])
    }

    @Test("logout and disconnect take the client offline; list_clients reports routing status")
    func statusAgreesWithRouting() throws {
        var machine = loggedIn([("alice", a), ("bob", b)])
        _ = machine.receive(message(.logout, from: "alice"), on: a, wall: 2, now: t0)
        let toAlice = message(.text, from: "bob", to: "alice", content: .string("x"))
        #expect(machine.receive(toAlice, on: b, wall: 3, now: t0) == [.drop(.targetOffline("alice")), .notifyListeners(toAlice)])
        let list = machine.listClientsResponse(to: "bob", onlyOnline: false, wall: 3)
        let rows = try #require(list.jsonValue?["clients"]?.arrayValue)
        #expect(rows.map { $0["status"]?.stringValue } == ["offline", "online"])
        #expect(machine.statistics.undeliverable == 1)
    }

    @Test("heartbeat expiry closes with 4001 and takes the client offline")
    func heartbeatExpiry() {
        var machine = loggedIn([("alice", a)])
        let actions = machine.heartbeatExpired(a, now: t0)
        #expect(actions == [.close(a, .heartbeatTimeout, reason: "no heartbeat within 60.0 seconds")])
        #expect(machine.onlineClients.isEmpty)
    }

    @Test("offline queue: delivered after the next login_response, bounded by count and age")
    func offlineQueue() {
        let policy = CrossCommHub.OfflineQueuePolicy(maxMessagesPerClient: 2, maxAge: .seconds(60), maxClients: 8)
        var machine = loggedIn([("alice", a)], configuration: .init(offlineQueue: policy))
        let m1 = message(.text, from: "alice", to: "bob", content: .string("1"))
        let m2 = message(.text, from: "alice", to: "bob", content: .string("2"))
        let m3 = message(.text, from: "alice", to: "bob", content: .string("3"))
        for m in [m1, m2, m3] { #expect(machine.receive(m, on: a, wall: 2, now: t0) == [.notifyListeners(m)]) }
        let actions = machine.receive(message(.login, from: "bob"), on: b, wall: 3, now: t0 + .seconds(1))
        #expect(actions.count == 3)
        #expect(Array(actions.dropFirst()) == [.deliver(m2, to: [b]), .deliver(m3, to: [b])])
        #expect(machine.statistics.discardedFromQueue == 1)

        _ = machine.receive(message(.logout, from: "bob"), on: b, wall: 4, now: t0)
        _ = machine.receive(m1, on: a, wall: 5, now: t0)
        let late = machine.receive(message(.login, from: "bob"), on: c, wall: 6, now: t0 + .seconds(61))
        #expect(late.count == 1)
        #expect(machine.statistics.discardedFromQueue == 2)
    }

    @Test("offline clients beyond the bound are forgotten, oldest first")
    func pruning() {
        var machine = loggedIn([("a1", a), ("a2", b), ("a3", c)], configuration: .init(maxOfflineClients: 1))
        _ = machine.connectionClosed(a, now: t0)
        _ = machine.connectionClosed(b, now: t0 + .seconds(1))
        #expect(machine.records.map(\.id) == ["a2", "a3"])
    }
}
