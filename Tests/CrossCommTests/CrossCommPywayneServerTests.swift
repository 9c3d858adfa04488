import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardTesting
import SwitchboardWebSocket
import Testing

/// Swift clients against the real pywayne 1.0.1.6.7 server, with a pywayne client ("pybob")
/// as a peer (Interop/crosscomm/pywayne_hub.py).
@Suite("CrossComm client against the pywayne server")
struct CrossCommPywayneServerTests {
    @Test("login, broadcast, directed text/dict/bytes/json, replies from pywayne, list_clients")
    func againstPywayne() async throws {
        let port = try await PythonPeer.run(script: "Interop/crosscomm/pywayne_hub.py", ["free-port"], input: "")[0]
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pywayne-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let record = work.appendingPathComponent("pybob.jsonl")
        let script = try SwitchboardTestPaths.packageRoot().appendingPathComponent("Interop/crosscomm/pywayne_hub.py")
        let process = Process()
        process.executableURL = try PythonPeer.interpreter()
        process.arguments = [script.path, port, record.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: { () -> URL in
            let log = work.appendingPathComponent("stderr.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            return log
        }())
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }

        func client(_ id: String) -> CrossCommClient {
            let transport = WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:\(port)", closeTimeout: .seconds(2)), logger: TestServer.quietLogger)
            let retry = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .milliseconds(300), jitter: 0, maxAttempts: 100)
            return CrossCommClient(transport: transport, configuration: .init(clientID: id, reconnect: retry), logger: TestServer.quietLogger)
        }
        let alice = client("alice"), carol = client("carol")
        let atAlice = EventLog<CrossCommMessage>(), atCarol = EventLog<CrossCommMessage>()
        alice.onMessage { atAlice.append($0) }
        carol.onMessage { atCarol.append($0) }
        try await alice.login(timeout: .seconds(30))
        try await carol.login()
        try await waitUntil(.seconds(30), "pybob online", pollEvery: .milliseconds(100)) {
            (try? await alice.listClients(onlyOnline: true).onlineIDs.contains("pybob")) == true
        }

        try await alice.send("Hello everyone! 你好")
        #expect(try await atCarol.next().text == "Hello everyone! 你好")
        try await alice.send(.object([.init(key: "action", value: .string("update")), .init(key: "n", value: .integer(123))]), type: .dict, to: "pybob")
        try await alice.send([0x00, 0x01, 0x62, 0x69, 0x6e, 0x61, 0x72, 0x79, 0xff], to: "pybob")
        try await alice.send(#"{"k": "v"}"#, type: .json, to: "pybob")
        try await alice.send("direct", to: "carol")
        #expect(try await atCarol.next().text == "direct")
        try await alice.send("ping", to: "pybob")
        let pong = try await atAlice.next(timeout: .seconds(10))
        #expect(pong.text == "pong" && pong.from == "pybob")

        let table = try await carol.listClients(onlyOnline: false)
        #expect(Set(table.onlineIDs) == ["alice", "carol", "pybob"])
        #expect(table.onlyOnline == false)

        let lines = try String(contentsOf: record, encoding: .utf8).split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        let fromAlice = lines.filter { $0["from"]?.stringValue == "alice" }
        #expect(fromAlice.map { $0["type"]?.stringValue } == ["text", "dict", "bytes", "json", "text"])
        #expect(fromAlice[0]["content"]?.stringValue == "Hello everyone! 你好")
        #expect(fromAlice[1]["content"]?["n"]?.integerValue == 123)
        #expect(fromAlice[2]["content"]?["hex"]?.stringValue == "000162696e617279ff")
        #expect(fromAlice[3]["content"]?.stringValue == #"{"k": "v"}"#)
        await alice.logout()
        await carol.logout()
    }
}
