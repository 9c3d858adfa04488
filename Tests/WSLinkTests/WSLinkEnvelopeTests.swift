import MsgPack
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkEnvelopeTests {
    @Test func requestsAndRepliesKeepWireKeyOrder() throws {
        let request = WSLinkEnvelope.request(WSLinkRequest(id: "rpc:c1:0", method: "demo.add", args: [2, 3]))
        #expect(request.value.mapValue?.map { $0.key.stringValue ?? "" } == ["wslink", "id", "method", "args", "kwargs"])
        let error = WSLinkEnvelope.error(id: "x", error: .methodNotFound("m"))
        #expect(error.value["error"]?.mapValue?.map { $0.key.stringValue ?? "" } == ["code", "message", "data"])
        #expect(WSLinkEnvelope.publish(topic: "demo.tick", 1).id == "publish:demo.tick:0")
    }

    @Test func errorDataIsWrittenOnlyWhenTruthy() {
        for falsy: MsgPackValue in [.nil, "", 0, [], [:], false, .binary([])] {
            let value = WSLinkRPCError(code: 1, message: "m", data: falsy).value
            #expect(value["data"] == nil, "\(falsy)")
        }
        #expect(WSLinkRPCError(code: 1, message: "m", data: 1).value["data"] == 1)
    }

    @Test func everyVectorDecodesToTheMatchingCase() throws {
        for message in try V2Message.all() where message.isEnvelope {
            var payload: [UInt8] = []
            var unchunker = WSLinkUnchunker()
            for chunk in message.chunks { payload = try unchunker.receive(chunk, sizeLimit: 1 << 20, at: .now) ?? payload }
            let envelope = try WSLinkEnvelope(decoding: payload)
            #expect(envelope.encoded() == payload, "\(message.name)")
            switch envelope {
            case .request(let request): #expect(message.direction == "client->server" && request.method.contains("."))
            case .result, .error: #expect(message.direction == "server->client")
            }
        }
        let auth = try WSLinkEnvelope(try V2Message.named("error.authentication_failed").decoded)
        #expect(auth == .error(id: "system:c0:0", error: .authenticationFailed))
    }

    @Test func hostileEnvelopesNameTheirIDWhenTheyHaveOne() throws {
        let withoutMethod = try V2Message.named("probe.id_without_method")
        let error = #expect(throws: WSLinkError.self) { try WSLinkEnvelope(withoutMethod.decoded) }
        #expect(error?.code == .invalidEnvelope)
        #expect(error?.requestID == "rpc:cX:1")

        let argsNotList: MsgPackValue = ["wslink": "1.0", "id": "rpc:c:2", "method": "demo.add", "args": 5]
        let argsError = #expect(throws: WSLinkError.self) { try WSLinkEnvelope(argsNotList) }
        #expect(argsError?.requestID == "rpc:c:2")
        #expect(argsError?.message == "args is not a list")

        let malformed = #expect(throws: WSLinkError.self) { try WSLinkEnvelope(decoding: [0x85, 0xa6]) }
        #expect(malformed?.code == .malformedPayload)
        let notMap = #expect(throws: WSLinkError.self) { try WSLinkEnvelope(decoding: [0x05]) }
        #expect(notMap?.code == .invalidEnvelope)
    }

    @Test func aMessageWithoutIDIsANotification() throws {
        let probe = try V2Message.named("probe.message_without_id")
        let envelope = try WSLinkEnvelope(probe.decoded)
        #expect(envelope == .request(WSLinkRequest(id: nil, method: "demo.add", args: [1, 2], kwargs: nil)))
        #expect(envelope.value == probe.decoded)
    }
}
