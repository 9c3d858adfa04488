import Foundation
import SwitchboardCore
import SwitchboardLauncher
import Testing

/// The session manager with real processes (python3 as the session program).
@Suite("SessionLauncher: real processes", .serialized, .timeLimit(.minutes(2)))
struct SessionLauncherTests {
    private func launch(_ launcher: SessionLauncher, _ body: String) async -> LauncherAnswer {
        await launcher.launch(body: Array(body.utf8))
    }

    @Test func twoSessionsGetTheirOwnProcessAndPortThirdIs503DeleteFreesThePort() async throws {
        let directory = TestSupport.temporaryDirectory()
        let ports = TestSupport.freePorts(2)
        let config = try TestSupport.configuration(directory: directory, ports: ports, apps: #"{"app": {"cmd": \#(TestSupport.sleeperApp()), "ready_line": "READY"}}"#)
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let launcher = SessionLauncher(configuration: config, logger: TestSupport.logger)

        let first = await launch(launcher, #"{"application": "app", "file": "a.vtk", "extra": 1}"#)
        let second = await launch(launcher, #"{"application": "app", "file": "b.vtk"}"#)
        #expect(first.status == 200 && second.status == 200)
        // Fields, id and sessionURL only; no secret since the command does not use it.
        #expect(first.body.objectValue?.map(\.key) == ["file", "id", "port", "sessionURL"])
        let firstID = try #require(first.body["id"]?.stringValue)
        let secondID = try #require(second.body["id"]?.stringValue)
        let firstPort = try #require(first.body["port"]?.intValue)
        #expect(Set([firstPort, second.body["port"]?.intValue]) == Set(ports))
        #expect(first.body["sessionURL"]?.stringValue == "ws://127.0.0.1:\(firstPort)/ws")
        let firstProcess = try #require(await launcher.process(of: firstID))
        let secondProcess = try #require(await launcher.process(of: secondID))
        #expect(firstProcess.pid != secondProcess.pid && !firstProcess.hasExited && !secondProcess.hasExited)
        let mapping = try String(contentsOfFile: "\(directory)/proxy-mapping.txt", encoding: .utf8)
        #expect(mapping == "\(firstID) 127.0.0.1:\(firstPort)\n\(secondID) 127.0.0.1:\(second.body["port"]?.intValue ?? 0)\n")

        #expect(await launch(launcher, #"{"application": "app"}"#) == .resourcesTaken)

        #expect(await launcher.get(id: firstID).body == first.body)
        let deleted = await launcher.delete(id: firstID)
        #expect(deleted.status == 200 && deleted.body["id"]?.stringValue == firstID)
        #expect(firstProcess.hasExited && !TestSupport.isAlive(firstProcess.pid))
        #expect(await launcher.availablePorts == 1)
        #expect(await launcher.get(id: firstID) == .error(400, "No session with id: \(firstID)"))
        #expect(await launcher.delete(id: firstID) == .error(404, "No session with id: \(firstID)"))
        #expect(try String(contentsOfFile: "\(directory)/proxy-mapping.txt", encoding: .utf8) == "\(secondID) 127.0.0.1:\(second.body["port"]?.intValue ?? 0)\n")

        // The freed port is handed out again.
        let third = await launch(launcher, #"{"application": "app"}"#)
        #expect(third.status == 200 && third.body["port"]?.intValue == firstPort)

        await launcher.shutdown()
        #expect(secondProcess.hasExited && !TestSupport.isAlive(secondProcess.pid))
        #expect(await launcher.sessionCount == 0)
        #expect(await launcher.availablePorts == 2)
    }

    @Test func aCommandThatNeverPrintsItsReadyLineGetsTheTimeoutAnswerAndIsKilled() async throws {
        let directory = TestSupport.temporaryDirectory()
        // A unique duration marks this test's process in /proc.
        let marker = "3600.\(UInt32.random(in: 1...UInt32.max))"
        let config = try TestSupport.configuration(
            directory: directory, ports: TestSupport.freePorts(1), timeout: 1,
            apps: #"{"slow": {"cmd": ["sleep", "\#(marker)"], "ready_line": "never printed"}}"#
        )
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let launcher = SessionLauncher(configuration: config, logger: TestSupport.logger)
        #expect(await launch(launcher, #"{"application": "slow"}"#) == .startTimedOut)
        #expect(await launcher.availablePorts == 1)
        #expect(await launcher.sessionCount == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(directory)/logs").count == 1, "it was started")
        #expect(TestSupport.processes(withArgument: marker).isEmpty, "and is gone")
    }

    @Test func aSanitizeViolationNeverReachesTheProcess() async throws {
        let directory = TestSupport.temporaryDirectory()
        let config = try TestSupport.configuration(
            directory: directory, ports: TestSupport.freePorts(1),
            apps: #"{"app": {"cmd": \#(TestSupport.sleeperApp()), "ready_line": "READY"}}"#,
            extra: #", "sanitize": {"file": {"type": "regexp", "regexp": "^[\\w.]+$", "default": "safe.vtk"}}"#
        )
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let launcher = SessionLauncher(configuration: config, logger: TestSupport.logger)
        let answer = await launch(launcher, #"{"application": "app", "file": "x.vtk; rm -rf $HOME"}"#)
        #expect(answer.status == 200 && answer.body["file"]?.stringValue == "safe.vtk")
        let id = try #require(answer.body["id"]?.stringValue)
        let log = try String(contentsOfFile: "\(directory)/logs/\(id).txt", encoding: .utf8)
        #expect(log.contains("args: ['safe.vtk',") && !log.contains("rm -rf"))
        await launcher.shutdown()
    }

    @Test func badRequestsAndUnstartableCommands() async throws {
        let directory = TestSupport.temporaryDirectory()
        let config = try TestSupport.configuration(
            directory: directory, ports: TestSupport.freePorts(1),
            apps: #"{"missing": {"cmd": ["/no/such/program", "--port", "${port}"], "ready_line": "x"}}"#
        )
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let launcher = SessionLauncher(configuration: config, logger: TestSupport.logger)
        for body in ["", "not json", "[1]", #"{"file": "x"}"#] {
            #expect(await launch(launcher, body) == .incomplete)
        }
        #expect(await launch(launcher, #"{"application": "nope"}"#) == .error(400, "Unknown application: nope"))
        let answer = await launch(launcher, #"{"application": "missing"}"#)
        #expect(answer.status == 503)
        #expect(answer.body["error"]?.stringValue?.hasPrefix("The process did not properly start. ['/no/such/program', '--port', '") == true)
        #expect(await launcher.availablePorts == 1)
    }

    @Test func aProcessThatEndsByItselfReturnsItsPortToThePool() async throws {
        let directory = TestSupport.temporaryDirectory()
        let config = try TestSupport.configuration(
            directory: directory, ports: TestSupport.freePorts(1),
            apps: #"{"short": {"cmd": \#(TestSupport.sleeperApp(exitAfter: 0.5)), "ready_line": "READY"}}"#
        )
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        let launcher = SessionLauncher(configuration: config, logger: TestSupport.logger)
        #expect(await launch(launcher, #"{"application": "short"}"#).status == 200)
        #expect(await launcher.availablePorts == 0)
        let freed = await TestSupport.eventually {
            await launcher.reapExited()
            return await launcher.availablePorts == 1
        }
        #expect(freed)
        #expect(await launcher.sessionCount == 0)
    }
}
