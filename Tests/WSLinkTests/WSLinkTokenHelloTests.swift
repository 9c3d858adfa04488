import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Testing
@testable import WSLink

/// Authenticated identities for wslink (Protocols.md §9): the hello's secret is a bearer token;
/// a refused one gets −32000 and close 4502; handlers see the accepted token's claims.
@Suite struct WSLinkTokenHelloTests {
    static var configuration: WSLinkServerConfiguration {
        var configuration = WSLinkServerConfiguration()
        configuration.tokenVerifier = StaticTokenVerifier(["alice-token": "alice"])
        return configuration
    }

    static var router: WSLinkRouter {
        var router = WSLinkDemoProtocol.router()
        router.exposeRaw("test.whoami") { (_: WSLinkCall, context: WSLinkContext) throws -> MsgPackValue in
            guard let token = context.token else { return .nil }
            return ["sub": .string(token.subject), "role": .string(token[claim: "role"]?.stringValue ?? "-")]
        }
        router.exposeRaw("test.whoami_async") { (_: WSLinkCall, context: WSLinkContext) async throws -> MsgPackValue in
            .string(context.token?.subject ?? "-")
        }
        return router
    }

    @Test func aValidTokenSaysHelloAndHandlersSeeItsClaims() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router, configuration: Self.configuration) { server in
            let peer = try server.connect()
            let clientID = try await peer.helloV2("alice-token")
            peer.send(v2Frame(callValue("rpc:\(clientID):0", "test.whoami")))
            #expect(try await peer.nextV2()["result"] == ["sub": "alice", "role": "tester"])
            peer.send(v2Frame(callValue("rpc:\(clientID):1", "test.whoami_async")))
            #expect(try await peer.nextV2()["result"] == "alice")
        }
    }

    @Test func forgedMissingAndSharedSecretHellosGetMinus32000AndClose4502() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router, configuration: Self.configuration) { server in
            let hellos: [MsgPackValue] = [
                helloValue("forged"),
                helloValue("wslink-secret"),
                ["wslink": "1.0", "id": "system:c0:0", "method": "wslink.hello", "args": [[:]], "kwargs": [:]],
            ]
            for hello in hellos {
                let peer = try server.connect()
                peer.send(v2Frame(hello))
                #expect(try await peer.nextV2() == ["wslink": "1.0", "id": "system:c0:0", "error": ["code": -32000, "message": "Authentication failed"]])
                #expect(try await peer.waitForClose(timeout: .seconds(5)) == .unauthorized)
            }
        }
    }

    @Test func withoutAVerifierHandlersSeeNoToken() async throws {
        try await InMemoryWSLinkServer.with(router: Self.router) { server in
            let peer = try server.connect()
            let clientID = try await peer.helloV2()
            peer.send(v2Frame(callValue("rpc:\(clientID):0", "test.whoami")))
            #expect(try await peer.nextV2()["result"] == .nil)
        }
    }
}
