import Foundation
import SwitchboardCore
import SwitchboardWebSocket
import Testing

@Suite("HTTP endpoints: CORS and the origin guard over loopback", .timeLimit(.minutes(1)))
struct HTTPEndpointTests {
    /// One HTTP/1.1 exchange (`Connection: close`) and its parsed answer.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String

        static func request(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: String = "") async throws -> Answer {
            let socket = try RawSocket(port: port)
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            try await socket.send(head + "\r\n" + body)
            let bytes = try await socket.receive(until: { _ in false }, timeout: .seconds(10))
            let text = String(decoding: bytes, as: UTF8.self)
            let parts = text.components(separatedBy: "\r\n\r\n")
            var lines = parts[0].components(separatedBy: "\r\n")
            let status = Int(lines.removeFirst().split(separator: " ")[1]) ?? 0
            var fields: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Answer(status: status, headers: fields, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
        }
    }

    static func configuration(_ endpoints: [HTTPEndpoint]) -> WebSocketServerTransport.Configuration {
        var configuration = TestServer.configuration()
        configuration.listeners[0].httpEndpoints = endpoints
        return configuration
    }

    static let hello = HTTPEndpoint(pathPrefix: "/hello", cors: .fileStore(origins: ["https://app.example.com"])) { request in
        HTTPEndpointResponse(status: 200, contentType: "text/plain", body: .bytes(Array("hello \(request.method)".utf8)), headers: [("ETag", "\"1\"")])
    }

    @Test("a preflight from an allowed origin gets 204 with the allowances; from another origin 403 without CORS headers")
    func preflight() async throws {
        try await TestServer.with(Self.configuration([Self.hello])) { server in
            let allowed = try await Answer.request(port: server.port, "OPTIONS", "/hello/a/b", headers: [
                "Origin": "https://APP.example.com:443",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization, content-type, x-oss-date, x-evil",
            ])
            #expect(allowed.status == 204)
            #expect(allowed.headers["access-control-allow-origin"] == "https://APP.example.com:443")
            #expect(allowed.headers["vary"] == "Origin")
            #expect(allowed.headers["access-control-allow-methods"] == "GET, HEAD, PUT, DELETE")
            #expect(allowed.headers["access-control-allow-headers"] == "authorization, content-type, x-oss-date")
            #expect(allowed.headers["access-control-max-age"] == "600")

            let foreign = try await Answer.request(port: server.port, "OPTIONS", "/hello/a", headers: [
                "Origin": "https://evil.example", "Access-Control-Request-Method": "PUT",
            ])
            #expect(foreign.status == 403)
            #expect(!foreign.headers.keys.contains { $0.hasPrefix("access-control-") })
        }
    }

    @Test("answers carry Access-Control-Allow-Origin and Vary for allowed origins only; no policy, no CORS")
    func responses() async throws {
        let plain = HTTPEndpoint(pathPrefix: "/plain") { _ in HTTPEndpointResponse(status: 200, contentType: "text/plain", body: .bytes([])) }
        try await TestServer.with(Self.configuration([Self.hello, plain])) { server in
            let allowed = try await Answer.request(port: server.port, "GET", "/hello/x", headers: ["Origin": "https://app.example.com"])
            #expect(allowed.status == 200)
            #expect(allowed.body == "hello GET")
            #expect(allowed.headers["access-control-allow-origin"] == "https://app.example.com")
            #expect(allowed.headers["vary"] == "Origin")
            #expect(allowed.headers["access-control-expose-headers"]?.contains("ETag") == true)

            let foreign = try await Answer.request(port: server.port, "GET", "/hello/x", headers: ["Origin": "https://evil.example"])
            #expect(foreign.status == 200)
            #expect(foreign.headers["access-control-allow-origin"] == nil)
            let none = try await Answer.request(port: server.port, "GET", "/hello/x")
            #expect(none.headers["access-control-allow-origin"] == nil)

            let uncorsed = try await Answer.request(port: server.port, "GET", "/plain", headers: ["Origin": "https://app.example.com"])
            #expect(uncorsed.status == 200)
            #expect(uncorsed.headers["access-control-allow-origin"] == nil)
            let notMounted = try await Answer.request(port: server.port, "OPTIONS", "/plain", headers: [
                "Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
            ])
            #expect(notMounted.status != 204)
        }
    }

    @Test("an origin-guarded endpoint answers same-host, loopback and Origin-less requests; a foreign origin gets 403 JSON")
    func originGuard() async throws {
        let called = Recorder<String>()
        let secret = HTTPEndpoint(pathPrefix: "/paraview", originPolicy: .default) { request in
            called.append(request.headers["origin"] ?? "-")
            return HTTPEndpointResponse(status: 200, contentType: "application/json", body: .bytes(Array(#"{"secret": "s"}"#.utf8)))
        }
        try await TestServer.with(Self.configuration([secret])) { server in
            let port = server.port
            for origin in [nil, "http://localhost:3000", "http://127.0.0.1:\(port)"] {
                let answer = try await Answer.request(port: port, "POST", "/paraview/", headers: origin.map { ["Origin": $0] } ?? [:], body: "{}")
                #expect(answer.status == 200, "origin \(origin ?? "none")")
                #expect(answer.body.contains("secret"))
            }
            let foreign = try await Answer.request(port: port, "POST", "/paraview/", headers: ["Origin": "https://evil.example"], body: "{}")
            #expect(foreign.status == 403)
            #expect(foreign.headers["content-type"] == "application/json")
            #expect(foreign.body == #"{"error": "Origin https://evil.example is not allowed"}"#)
            #expect(!foreign.body.contains("secret"))
            #expect(called.values == ["-", "http://localhost:3000", "http://127.0.0.1:\(port)"])
        }
    }
}
