import SwitchboardCore
import Testing

/// Where a connection's bearer token comes from: the upgrade's Authorization header, else `?token=`.
@Suite struct ConnectionInfoBearerTokenTests {
    private func info(query: String? = nil, headers: [(String, String)] = []) -> ConnectionInfo {
        ConnectionInfo(
            id: ConnectionID(rawValue: 1),
            route: Route(listener: "main", pathPattern: "*", adapter: "x"),
            path: "/",
            query: query,
            headers: Headers(headers.map { (name: $0.0, value: $0.1) })
        )
    }

    @Test func readsTheAuthorizationHeader() {
        #expect(info(headers: [("Authorization", "Bearer abc.def.ghi")]).bearerToken == "abc.def.ghi")
        #expect(info(headers: [("authorization", "bearer  abc ")]).bearerToken == "abc")
        #expect(info(headers: [("Authorization", "Basic dXNlcjpwdw==")]).bearerToken == nil)
        #expect(info(headers: [("Authorization", "Bearer ")]).bearerToken == nil)
    }

    @Test func fallsBackToTheQuery() {
        #expect(info(query: "a=1&token=abc.def.ghi").bearerToken == "abc.def.ghi")
        #expect(info(query: "token=a%2Eb+c").bearerToken == "a.b c")
        #expect(info(query: "token=").bearerToken == nil)
        #expect(info(query: "tokens=x").bearerToken == nil)
        #expect(info(query: "token=%zz").bearerToken == "%zz")
        #expect(info(query: "token=q", headers: [("Authorization", "Bearer h")]).bearerToken == "h")
        #expect(info().bearerToken == nil)
    }
}
