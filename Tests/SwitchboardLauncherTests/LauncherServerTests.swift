import Foundation
import SwitchboardCore
import SwitchboardLauncher
import SwitchboardWebSocket
import Testing

/// The launcher over HTTP on a real port, and the session proxy in front of a real HTTP server
/// (python3 -m http.server as the session program).
@Suite("LauncherServer: HTTP endpoint and session proxy", .serialized, .timeLimit(.minutes(2)))
struct LauncherServerTests {
    @Test func launchesOverHTTPAndProxiesToTheSession() async throws {
        let directory = TestSupport.temporaryDirectory()
        let site = "\(directory)/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try "hello from the session\n".write(toFile: "\(site)/hello.txt", atomically: true, encoding: .utf8)
        let content = "\(directory)/content"
        try FileManager.default.createDirectory(atPath: content, withIntermediateDirectories: true)
        try "<h1>launcher page</h1>".write(toFile: "\(content)/index.html", atomically: true, encoding: .utf8)
        let config = try TestSupport.configuration(
            directory: directory, ports: TestSupport.freePorts(1),
            apps: #"{"files": {"cmd": ["${python}", "-u", "-m", "http.server", "${port}", "--bind", "127.0.0.1", "--directory", "\#(site)"], "ready_line": "Serving HTTP"}}"#,
            extra: #", "content": "\#(content)""#
        )
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let server = LauncherServer(configuration: config, logger: TestSupport.logger) { continuation.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            let port = try #require(Int(url.split(separator: ":").last?.split(separator: "/").first ?? ""))
            #expect(url == "http://127.0.0.1:\(port)/paraview/")

            #expect(try await TestSupport.http("GET", port: port, path: "/") == (200, "<h1>launcher page</h1>"))
            #expect(try await TestSupport.http("GET", port: port, path: "/../../etc/passwd").status == 404)
            #expect(try await TestSupport.http("POST", port: port, path: "/paraview/", body: "nope") == (400, #"{"error":"The request is not complete"}"#))
            #expect(try await TestSupport.http("GET", port: port, path: "/proxy?sessionId=unknown&path=ws").status == 404)
            #expect(try await TestSupport.http("GET", port: port, path: "/proxy?path=ws").status == 400)

            let launched = try await TestSupport.http("POST", port: port, path: "/paraview/", body: #"{"application": "files"}"#)
            #expect(launched.status == 200)
            let answer = try JSONValue(parsing: launched.body)
            let id = try #require(answer["id"]?.stringValue)
            #expect(try await TestSupport.http("GET", port: port, path: "/paraview/\(id)").body == launched.body)

            // Through the proxy: the session's own HTTP server answers.
            let proxied = try await TestSupport.http("GET", port: port, path: "/proxy?sessionId=\(id)&path=hello.txt")
            #expect(proxied == (200, "hello from the session\n"))

            #expect(try await TestSupport.http("DELETE", port: port, path: "/paraview/\(id)").status == 200)
            #expect(try await TestSupport.http("GET", port: port, path: "/proxy?sessionId=\(id)&path=hello.txt").status == 404)
            #expect(await server.launcher.availablePorts == 1)

            // A session left running is ended when the server stops.
            let again = try await TestSupport.http("POST", port: port, path: "/paraview/", body: #"{"application": "files"}"#)
            let againID = try #require(try JSONValue(parsing: again.body)["id"]?.stringValue)
            let process = try #require(await server.launcher.process(of: againID))
            group.cancelAll()
            try await group.waitForAll()
            #expect(process.hasExited && !TestSupport.isAlive(process.pid))
        }
    }

    @Test("the launch endpoint answers no-Origin, loopback and allowed origins; a foreign Origin gets 403; CORS only for --cors-origin")
    func originsAndCORS() async throws {
        let directory = TestSupport.temporaryDirectory()
        let config = try TestSupport.configuration(directory: directory, ports: TestSupport.freePorts(1), apps: #"{"noop": {"cmd": ["true"]}}"#)
        let access = LauncherAccess(
            originPolicy: OriginPolicy(allowed: [.loopback, .exact("https://app.example.com")]),
            cors: .launcher(origins: ["https://app.example.com"])
        )
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let server = LauncherServer(configuration: config, access: access, logger: TestSupport.logger) { continuation.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = urls.makeAsyncIterator()
            let url = try #require(await iterator.next())
            let port = try #require(Int(url.split(separator: ":").last?.split(separator: "/").first ?? ""))
            let incomplete = #"{"error":"The request is not complete"}"#

            // Reaching the session manager shows as its 400 for an incomplete request.
            for origin in ["", "Origin: http://localhost:8000\r\n", "Origin: https://app.example.com\r\n"] {
                let answer = try await TestSupport.exchange("POST", port: port, path: "/paraview/", headers: origin, body: "{}")
                #expect(answer.status == 400 && answer.body == incomplete, "\(origin)")
            }
            let foreign = try await TestSupport.exchange("POST", port: port, path: "/paraview/", headers: "Origin: https://evil.example\r\n", body: "{}")
            #expect(foreign.status == 403)
            #expect(foreign.body == #"{"error":"Origin https://evil.example is not allowed"}"#)
            #expect(try await TestSupport.exchange("GET", port: port, path: "/paraview/some-id", headers: "Origin: https://evil.example\r\n").status == 403)

            let listed = try await TestSupport.exchange("POST", port: port, path: "/paraview/", headers: "Origin: https://app.example.com\r\n", body: "{}")
            #expect(listed.head.contains("access-control-allow-origin: https://app.example.com"))
            #expect(listed.head.contains("vary: origin"))
            let loopback = try await TestSupport.exchange("POST", port: port, path: "/paraview/", headers: "Origin: http://localhost:8000\r\n", body: "{}")
            #expect(!loopback.head.contains("access-control-"))

            let preflight = "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n"
            let allowed = try await TestSupport.exchange("OPTIONS", port: port, path: "/paraview/", headers: "Origin: https://app.example.com\r\n" + preflight)
            #expect(allowed.status == 204)
            #expect(allowed.head.contains("access-control-allow-methods: post"))
            #expect(allowed.head.contains("access-control-allow-headers: content-type"))
            let refused = try await TestSupport.exchange("OPTIONS", port: port, path: "/paraview/", headers: "Origin: http://localhost:8000\r\n" + preflight)
            #expect(refused.status == 403)
            #expect(!refused.head.contains("access-control-"))
        }
    }
}
