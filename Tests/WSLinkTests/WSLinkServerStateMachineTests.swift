import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkServerStateMachineTests {
    typealias Machine = WSLinkServerAdapter.StateMachine
    let now = ContinuousClock.now

    /// Without announced subscriptions the hello result is the Python server's, byte for byte.
    private func machine(_ clientID: String = "c05d3783d3a8b40aea4f8117327469769", exit: Bool = false) -> Machine {
        var configuration = WSLinkServerConfiguration()
        configuration.announcedSubscriptions = false
        if exit { configuration.onExitRequest = { _ in } }
        return Machine(clientID: clientID, configuration: configuration)
    }

    private func replyBytes(_ actions: [Machine.Action]) throws -> [UInt8] {
        guard actions.count == 1, case .reply(let envelope) = actions[0] else { throw WSLinkError(code: .invalidEnvelope, message: "expected one reply, got \(actions)") }
        return envelope.encoded()
    }

    private func payload(_ name: String) throws -> [UInt8] {
        let message = try V2Message.named(name)
        return try WSLinkEnvelope(message.decoded).encoded()
    }

    @Test func systemIDsAreRecognisedByTheirFirstColonSeparatedPart() {
        for id in ["system", "system:", "system:c0:0", "system:x", "system::", "system:\u{e9}"] {
            #expect(Machine.isSystemID(id), "\(id)")
        }
        for id in ["", "s", "syste", "systems:c0:0", "rpc:system:0", "System:c0:0", "system\u{301}:c0:0", "system:\u{301}x", "xsystem:c0"] {
            #expect(!Machine.isSystemID(id), "\(id)")
        }
    }

    @Test func theHelloReplyIsTheVectorByteForByte() throws {
        var server = machine()
        let hello = try V2Message.named("hello.request")
        #expect(server.receive(.binary(hello.chunks[0]), at: now) == [.validate(token: "wslink-secret")])
        #expect(server.generation == .v2)
        let actions = server.helloValidated(true)
        #expect(actions.first == .authenticated(.v2))
        #expect(try replyBytes(Array(actions.dropFirst())) == payload("hello.reply"))
        #expect(server.isAuthenticated)
    }

    @Test func aWrongSecretGetsTheVectorErrorAndStaysOpen() throws {
        var server = machine()
        let hello = try V2Message.named("hello.request.wrong_secret")
        #expect(server.receive(.binary(hello.chunks[0]), at: now) == [.validate(token: "wrong-secret")])
        #expect(try replyBytes(server.helloValidated(false)) == payload("error.authentication_failed"))
        #expect(!server.isAuthenticated)
    }

    @Test func probesBeforeTheHelloGetTheVectorErrors() throws {
        var server = machine("c61759ea5e759409cb8200c7a5e7ae9a6")
        let early = try V2Message.named("probe.rpc_before_hello")
        #expect(try replyBytes(server.receive(.binary(early.chunks[0]), at: now)) == payload("error.unauthorized"))
        let system = try V2Message.named("probe.unknown_system_method")
        #expect(try replyBytes(server.receive(.binary(system.chunks[0]), at: now)) == payload("error.unknown_system_method"))
        let text = try GoldenVectorFile.load("wslink-v2").vector(named: "probe.text_frame")?.text
        let ignored = server.receive(.text(try #require(text)), at: now)
        #expect(ignored.count == 1)
        if case .logOnce = ignored.first {} else { Issue.record("text on 2.x should only be logged, got \(ignored)") }
        let noID = try V2Message.named("probe.message_without_id")
        if case .logOnce = server.receive(.binary(noID.chunks[0]), at: now).first {} else { Issue.record("message without id should be ignored") }
        let hello = try V2Message.named("probe.hello")
        #expect(server.receive(.binary(hello.chunks[0]), at: now) == [.validate(token: "wslink-secret")])
        #expect(try replyBytes(Array(server.helloValidated(true).dropFirst())) == payload("probe.hello.reply"))
    }

    @Test func callsAreDispatchedAtTheirOwnIDAndHostileRequestsAnswered() throws {
        var server = machine()
        _ = server.receive(v2Frame(helloValue()), at: now)
        _ = server.helloValidated(true)
        let foreign = try V2Message.named("probe.foreign_client_id")
        #expect(server.receive(.binary(foreign.chunks[0]), at: now) == [.dispatch(id: "rpc:cSOMEONEELSE:7", call: WSLinkCall(method: "demo.add", args: [1, 2]))])
        let withoutMethod = try V2Message.named("probe.id_without_method")
        let reply = try #require(WSLinkEnvelope(decodingFirstReply: server.receive(.binary(withoutMethod.chunks[0]), at: now)))
        #expect(reply == .error(id: "rpc:cX:1", error: WSLinkRPCError(code: -32600, message: "Invalid request: request without method")))
        let argsNotList: MsgPackValue = ["wslink": "1.0", "id": "rpc:c:3", "method": "demo.add", "args": 7, "kwargs": [:]]
        let argsReply = try #require(WSLinkEnvelope(decodingFirstReply: server.receive(v2Frame(argsNotList), at: now)))
        #expect(argsReply == .error(id: "rpc:c:3", error: WSLinkRPCError(code: -32602, message: "Invalid request: args is not a list")))
    }

    @Test func framingViolationsCloseWithDocumentedCodes() throws {
        var truncated = machine()
        var frame: [UInt8] = []
        WSLinkChunkHeader(id: 1, offset: 0, size: 3).write(to: &frame)
        #expect(closeCode(truncated.receive(.binary(frame + [0x85, 0xa6, 0x77]), at: now)) == .invalidPayload)

        var mismatch = machine()
        _ = mismatch.receive(.binary(chunk(id: 9, offset: 0, size: 10, [1])), at: now)
        #expect(closeCode(mismatch.receive(.binary(chunk(id: 9, offset: 1, size: 11, [2])), at: now)) == .protocolError)

        var tooBigBeforeAuth = machine()
        #expect(closeCode(tooBigBeforeAuth.receive(.binary(chunk(id: 1, offset: 0, size: 16 * 1024 + 1, [0])), at: now)) == .messageTooBig)

        var afterAuth = machine()
        _ = afterAuth.receive(v2Frame(helloValue()), at: now)
        _ = afterAuth.helloValidated(true)
        #expect(afterAuth.receive(.binary(chunk(id: 2, offset: 0, size: 16 * 1024 + 1, [0])), at: now).isEmpty)
        #expect(closeCode(afterAuth.receive(.binary(chunk(id: 3, offset: 0, size: UInt32(256 << 20) + 1, [0])), at: now)) == .messageTooBig)

        var flood = machine()
        _ = flood.receive(v2Frame(helloValue()), at: now)
        _ = flood.helloValidated(true)
        var closes: [CloseCode] = []
        for id in 0..<10_000 {
            if let code = closeCode(flood.receive(.binary(chunk(id: UInt32(id + 10), offset: 0, size: 1000, [0])), at: now)) {
                closes.append(code)
                break
            }
        }
        #expect(closes == [.policyViolation])
    }

    @Test func aJWTSizedSecretIsAdmittedBeforeAuth() throws {
        var server = machine()
        let token = String(repeating: "j", count: 8000)
        #expect(server.receive(v2Frame(helloValue(token)), at: now) == [.validate(token: token)])
    }

    @Test func builtinExitRepliesAndAsksTheHostToStop() throws {
        var server = machine(exit: true)
        _ = server.receive(v2Frame(helloValue()), at: now)
        _ = server.helloValidated(true)
        #expect(server.receive(v2Frame(callValue("rpc:c:1", "application.exit.later", [5])), at: now) == [.exit(id: "rpc:c:1", after: .seconds(5))])
        #expect(server.receive(v2Frame(callValue("rpc:c:2", "application.exit")), at: now) == [.exit(id: "rpc:c:2", after: .zero)])
        var without = machine()
        _ = without.receive(v2Frame(helloValue()), at: now)
        _ = without.helloValidated(true)
        #expect(without.receive(v2Frame(callValue("rpc:c:1", "application.exit")), at: now) == [.dispatch(id: "rpc:c:1", call: WSLinkCall(method: "application.exit"))])
    }

    // MARK: 1.x

    @Test func aTextHelloSelects1xAndGetsTheVectorReply() throws {
        let file = try GoldenVectorFile.load("wslink-v1")
        var server = machine("cbad8bcc78ccf45fe9dbf89b82ce3a8bb")
        let hello = try #require(file.vector(named: "hello.request")?.text)
        #expect(server.receive(.text(hello), at: now) == [.validate(token: "wslink-secret")])
        #expect(server.generation == .v1)
        let actions = server.helloValidated(true)
        guard case .reply(let envelope) = actions.last else { Issue.record("no reply"); return }
        let frames = try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.serverStyle) { 0 }
        #expect(frames == [.text(try #require(file.vector(named: "hello.reply")?.text))])
    }

    @Test func attachmentsAreSubstitutedByWholeKey() throws {
        let file = try GoldenVectorFile.load("wslink-v1")
        var server = machine("cbad8bcc78ccf45fe9dbf89b82ce3a8bb")
        _ = server.receive(.text(try #require(file.vector(named: "hello.request")?.text)), at: now)
        _ = server.helloValidated(true)
        #expect(server.receive(.text(try #require(file.vector(named: "client.attachment.header.bin1")?.text)), at: now).isEmpty)
        #expect(server.receive(.binary(try #require(file.vector(named: "client.attachment.binary.bin1")?.bytes)), at: now).isEmpty)
        let call = try #require(file.vector(named: "rpc.call.len_with_attachment")?.text)
        #expect(server.receive(.text(call), at: now) == [.dispatch(id: "rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:2", call: WSLinkCall(method: "demo.len", args: [.binary([1, 2, 3, 4, 5])]))])
        // Only whole strings match: "wslink_bin12" is not attachment 1.
        _ = server.receive(.text(#"{"wslink":"1.0","method":"wslink.binary.attachment","args":["wslink_bin1"]}"#), at: now)
        _ = server.receive(.binary([9]), at: now)
        #expect(server.receive(.text(#"{"wslink":"1.0","id":"rpc:c:9","method":"demo.echo","args":["wslink_bin12","wslink_bin1"],"kwargs":{"k":["wslink_bin1"]}}"#), at: now)
            == [.dispatch(id: "rpc:c:9", call: WSLinkCall(method: "demo.echo", args: ["wslink_bin12", .binary([9])], kwargs: ["k": [.binary([9])]]))])
    }

    @Test func attachmentHostilityIsAnswered() throws {
        var server = machine()
        _ = server.receive(.text(#"{"wslink":"1.0","id":"system:c0:0","method":"wslink.hello","args":[{"secret":"wslink-secret"}],"kwargs":{}}"#), at: now)
        _ = server.helloValidated(true)
        _ = server.receive(.text(#"{"wslink":"1.0","method":"wslink.binary.attachment","args":["wslink_bin1"]}"#), at: now)
        let reply = server.receive(.text(#"{"wslink":"1.0","id":"rpc:c:1","method":"demo.len","args":["wslink_bin1"],"kwargs":{}}"#), at: now)
        #expect(reply == [.reply(.error(id: "rpc:c:1", error: WSLinkRPCError(code: -32602, message: "Invalid request: attachment wslink_bin1 was announced but its binary message never arrived")))])
        #expect(closeCode(server.receive(.binary([1, 2]), at: now)) == .protocolError)
        var early = machine()
        _ = early.receive(.text(#"{"wslink":"1.0","id":"rpc:c:1","method":"demo.add","args":[],"kwargs":{}}"#), at: now)
        #expect(closeCode(early.receive(.text(String(repeating: " ", count: 16 * 1024 + 1)), at: now)) == .messageTooBig)
        var garbage = machine()
        #expect(closeCode(garbage.receive(.text("{nope"), at: now)) == .invalidPayload)
    }

    private func chunk(id: UInt32, offset: UInt32, size: UInt32, _ content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        WSLinkChunkHeader(id: id, offset: offset, size: size).write(to: &bytes)
        return bytes + content
    }

    private func closeCode(_ actions: [Machine.Action]) -> CloseCode? {
        for action in actions { if case .close(let code, _) = action { return code } }
        return nil
    }
}

extension WSLinkEnvelope {
    init?(decodingFirstReply actions: [WSLinkServerAdapter.StateMachine.Action]) {
        guard case .reply(let envelope) = actions.first else { return nil }
        self = envelope
    }
}
