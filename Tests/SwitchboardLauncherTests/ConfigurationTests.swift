import Foundation
import SwitchboardCore
import SwitchboardLauncher
import Testing

@Suite("launcher.config parsing, templates, sanitize, port pool")
struct ConfigurationTests {
    /// The shape of wslink's documented sample, comments included.
    static let sample = #"""
    {
        // ===============================
        // General launcher configuration
        // ===============================
        "configuration": {
            "host" : "localhost",
            "port" : 8080,
            "endpoint": "paraview",                   // SessionManager Endpoint
            "content": "/tmp/www",                    /* Optional: Directory shared over HTTP */
            "proxy_file" : "/tmp/proxy-mapping.txt",  // Proxy-Mapping file for Apache
            "sessionURL" : "ws://${host}:${port}/ws", // ws url used by the client
            "timeout" : 25,
            "log_dir" : "/tmp/viz-logs",
            "fields" : ["file", "host", "port"],
            "sanitize": {
                "cmd": { "type": "inList", "list": ["me", "you", "nothing-to-do"], "default": "nothing-to-do" },
                "cmd2": { "type": "regexp", "regexp": "^[^\"]*$", "default": "nothing" }
            }
        },
        "sessionData" : { "key": "value-${port}" },
        "resources" : [ { "host" : "localhost", "port_range" : [9001, 9003] } ],
        "properties" : { "python" : "/usr/bin/python3", "url": "http://example.com/*not-a-comment*/" },
        "apps" : {
            "cone" : { "cmd" : [ "${python}", "cone.py", "--port", "$port", "--authKey", "${secret}" ], "ready_line" : "Starting factory" },
            "plain" : { "cmd" : [ "true" ] }
        }
    }
    """#

    @Test func parsesTheDocumentedFormat() throws {
        let config = try LauncherConfiguration(parsing: Self.sample)
        #expect(config.host == "localhost" && config.port == 8080)
        #expect(config.endpointPath == "/paraview/")
        #expect(config.content == "/tmp/www")
        #expect(config.timeout == 25)
        #expect(config.fields == ["file", "host", "port"])
        #expect(config.resources == [.init(host: "localhost", ports: 9001...9003)])
        #expect(config.apps["cone"] == .init(command: ["${python}", "cone.py", "--port", "$port", "--authKey", "${secret}"], readyLine: "Starting factory"))
        #expect(config.apps["plain"]?.readyLine == nil)
        #expect(config.properties.first { $0.key == "url" }?.value == .string("http://example.com/*not-a-comment*/"))
        #expect(config.sanitize.map(\.key) == ["cmd", "cmd2"])
    }

    @Test func theExampleConfigurationParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Examples/ParaViewWebLauncher/launcher.config").standardized.path
        let config = try LauncherConfiguration(contentsOf: path)
        #expect(Set(config.apps.keys) == ["viewer", "switchboard-example"])
        #expect(config.sessionURL == "ws://localhost:8080/proxy?sessionId=${id}&path=ws")
        #expect(config.resources == [.init(host: "127.0.0.1", ports: 9001...9003)])
    }

    @Test func missingKeysAndBadJSONAreConfigurationErrors() {
        #expect(throws: LauncherError.self) { try LauncherConfiguration(parsing: "{ not json") }
        #expect(throws: LauncherError(.invalidConfiguration, "Config file is missing resources key.")) {
            try LauncherConfiguration(parsing: #"{"configuration": {}, "apps": {}, "properties": {}}"#)
        }
        let noTimeout = Self.sample.replacingOccurrences(of: #""timeout" : 25,"#, with: "")
        #expect(throws: LauncherError(.invalidConfiguration, "file.configuration is missing timeout key.")) {
            try LauncherConfiguration(parsing: noTimeout)
        }
        let badRegex = Self.sample.replacingOccurrences(of: #""^[^\"]*$""#, with: #""([""#)
        #expect(throws: LauncherError.self) { try LauncherConfiguration(parsing: badRegex) }
    }

    @Test func commentsInsideStringsStay() {
        #expect(LauncherConfiguration.removingComments(#"{"a": "x//y", /* c */ "b": 1} // end"#) == #"{"a": "x//y",  "b": 1} "#)
        #expect(LauncherConfiguration.removingComments("[1, /* two\nlines */ 2]") == "[1,  2]")
    }

    @Test func templatesFollowPythonSafeSubstitute() {
        let values: [JSONValue.Pair] = [.init(key: "port", value: .integer(9001)), .init(key: "secret", value: .string("s3")), .init(key: "flag", value: .bool(true))]
        #expect(TemplateSubstitution.substitute("--port ${port} $port$$ $secret ${missing} $missing ${ bad} $", values)
            == "--port 9001 9001$ s3 ${missing} $missing ${ bad} $")
        #expect(TemplateSubstitution.substitute("$flag-${port}x", values) == "True-9001x")
        // Two passes: the session's values, then properties.
        #expect(TemplateSubstitution.substitute("${a}", passes: [[.init(key: "a", value: .string("${b}"))], [.init(key: "b", value: .string("B"))]]) == "B")
    }

    @Test func sanitizeReplacesRejectedValuesWithTheDefault() throws {
        let config = try LauncherConfiguration(parsing: Self.sample)
        var values: [JSONValue.Pair] = [.init(key: "cmd", value: .string("rm -rf /")), .init(key: "cmd2", value: .string("a\"b")), .init(key: "other", value: .string("x"))]
        #expect(SanitizeRule.apply(config.sanitize, to: &values) == ["cmd", "cmd2"])
        #expect(values.map(\.value) == [.string("nothing-to-do"), .string("nothing"), .string("x")])
        var good: [JSONValue.Pair] = [.init(key: "cmd", value: .string("you")), .init(key: "cmd2", value: .string("fine"))]
        #expect(SanitizeRule.apply(config.sanitize, to: &good).isEmpty)
        // Non-strings never pass a regexp.
        var number: [JSONValue.Pair] = [.init(key: "cmd2", value: .integer(3))]
        SanitizeRule.apply(config.sanitize, to: &number)
        #expect(number[0].value == .string("nothing"))
    }

    @Test func portPoolHandsOutLikeWslinksResourceManager() {
        var pool = PortPool([.init(host: "a", ports: 9001...9002), .init(host: "b", ports: 9101...9101), .init(host: "a", ports: 9005...9005)])
        #expect(pool.availableCount == 4)
        let first = pool.take()
        #expect(first?.host == "a" && first?.port == 9005)
        #expect(pool.take()?.port == 9002)
        // Ties go to the first host in order.
        #expect(pool.take().map { "\($0.host):\($0.port)" } == "a:9001")
        #expect(pool.take().map { "\($0.host):\($0.port)" } == "b:9101")
        #expect(pool.take() == nil)
        pool.free(host: "a", port: 9002)
        pool.free(host: "a", port: 1234)  // not reserved: ignored
        #expect(pool.availableCount == 1)
        #expect(pool.take()?.port == 9002)
    }

    @Test func proxyHeadIsRewrittenForTheSessionServer() throws {
        let upgrade = "GET /proxy?sessionId=ab%2Dc&path=ws HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        let head = try #require(ProxyRequestHead(parsing: upgrade))
        #expect(head.sessionID == "ab-c" && head.path == "ws" && head.isUpgrade)
        #expect(head.rewritten() == "GET /ws HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        let plain = try #require(ProxyRequestHead(parsing: "GET /proxy?path=/files/a.txt&sessionId=x&v=2 HTTP/1.1\r\nConnection: keep-alive\r\nHost: h\r\n\r\n"))
        #expect(plain.rewritten() == "GET /files/a.txt?v=2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(ProxyRequestHead(parsing: "GET /proxyx?sessionId=1 HTTP/1.1\r\n\r\n") == nil)
        #expect(ProxyRequestHead.isProxyTarget("/proxy") && !ProxyRequestHead.isProxyTarget("/proxy/x"))
    }

    @Test func errorAnswersCarryWslinksTexts() {
        #expect(LauncherAnswer.incomplete.body.encoded() == #"{"error":"The request is not complete"}"#)
        #expect(LauncherAnswer.notStarted(["/no/such", "--port", "9001", "it's"]).body["error"]?.stringValue
            == #"The process did not properly start. ['/no/such', '--port', '9001', "it's"]"#)
    }
}
