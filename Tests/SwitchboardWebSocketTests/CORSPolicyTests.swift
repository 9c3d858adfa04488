import SwitchboardWebSocket
import Testing

@Suite("CORS policy")
struct CORSPolicyTests {
    @Test("origins compare without case and default ports; * allows any; no Origin is never a CORS request")
    func matching() {
        let policy = CORSPolicy.launcher(origins: ["https://app.example.com", "null"])
        #expect(policy.allows(origin: "https://app.example.com:443"))
        #expect(policy.allows(origin: "null"))
        #expect(!policy.allows(origin: "https://app.example.com:8443"))
        #expect(!policy.allows(origin: "http://app.example.com"))
        #expect(!policy.allows(origin: nil))
        #expect(CORSPolicy.launcher(origins: ["*"]).allows(origin: "https://anything.example"))
        #expect(CORSPolicy.launcher(origins: []).preflight(origin: "https://app.example.com", requestHeaders: nil).status == 403)
        let preflight = policy.preflight(origin: "https://app.example.com", requestHeaders: "Content-Type")
        #expect(preflight.status == 204)
        #expect(preflight.headers.contains { $0.name == "Access-Control-Allow-Methods" && $0.value == "POST" })
        #expect(preflight.headers.contains { $0.name == "Access-Control-Allow-Headers" && $0.value == "Content-Type" })
    }
}
