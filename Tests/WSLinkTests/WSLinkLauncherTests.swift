import SwitchboardCore
import Testing
import WSLink

@Suite("WSLinkLauncher: SmartConnect's session manager, answered in process")
struct WSLinkLauncherTests {
    let launcher = WSLinkLauncher(secret: "s3cret", endpointPath: "ws")

    private func post(_ json: String, host: String? = "127.0.0.1:8080", secure: Bool = false) -> WSLinkLauncher.Answer {
        launcher.respond(method: "POST", path: "/paraview/", body: Array(json.utf8), host: host, secure: secure)
    }

    @Test("a launch returns this server's wslink URL and secret, extra fields echoed, keys sorted")
    func launch() throws {
        let answer = post(#"{"application": "viewer", "file": "foo.vtk", "secret": "ignored"}"#)
        #expect(answer.status == 200)
        #expect(answer.body.objectValue?.map(\.key) == ["application", "file", "id", "secret", "sessionURL"])
        #expect(answer.body["sessionURL"] == .string("ws://127.0.0.1:8080/ws"))
        #expect(answer.body["secret"] == .string("s3cret"))
        let id = try #require(answer.body["id"]?.stringValue)
        #expect(launcher.respond(method: "GET", path: "/paraview/\(id)", body: [], host: nil, secure: false) == answer)
        #expect(launcher.respond(method: "DELETE", path: "/paraview/\(id)", body: [], host: nil, secure: false).status == 200)
        #expect(launcher.respond(method: "GET", path: "/paraview/\(id)", body: [], host: nil, secure: false).body
            == .object([.init(key: "error", value: .string("No session with id: \(id)"))]))
    }

    @Test("TLS listeners hand out wss URLs")
    func secure() {
        #expect(post(#"{"application": "a"}"#, host: "example.org:443", secure: true).body["sessionURL"] == .string("wss://example.org:443/ws"))
    }

    @Test("incomplete requests get 400 with the Python launcher's text", arguments: [
        "", "not json", "[1]", #"{"file": "x"}"#, "{" + String(repeating: " ", count: 70_000) + "}",
    ])
    func incomplete(_ body: String) {
        let answer = post(body)
        #expect(answer == .init(status: 400, body: .object([.init(key: "error", value: .string("The request is not complete"))])))
    }

    @Test("while not accepting, launches get 503")
    func busy() {
        let closed = WSLinkLauncher(secret: "s", endpointPath: "/ws", isAccepting: { false })
        let answer = closed.respond(method: "POST", path: "/paraview/", body: Array(#"{"application":"a"}"#.utf8), host: "h:1", secure: false)
        #expect(answer.status == 503)
        #expect(answer.body["error"] == .string("All the resources are currently taken"))
    }
}
