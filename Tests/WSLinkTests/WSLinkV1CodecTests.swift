import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkV1CodecTests {
    let file: GoldenVectorFile

    init() throws { file = try GoldenVectorFile.load("wslink-v1") }

    private func wire(_ names: [String]) throws -> [Frame] {
        try names.map { name in
            let vector = try #require(file.vector(named: name))
            if vector.frame == "text" { return .text(try #require(vector.text)) }
            return .binary(try #require(vector.bytes))
        }
    }

    private func counter(from start: Int) -> () -> Int {
        var next = start
        return {
            defer { next += 1 }
            return next
        }
    }

    @Test func everyTextEnvelopeRoundTripsByteExactInItsSendersStyle() throws {
        var checked = 0
        for vector in file.vectors where vector.frame == "text" {
            let text = try #require(vector.text)
            let envelope = try WSLinkEnvelope(WSLinkV1Codec.value(from: try WSLinkV1Codec.parse(text)))
            let style = vector.direction == "server->client" ? WSLinkV1Codec.serverStyle : WSLinkV1Codec.clientStyle
            #expect(try WSLinkV1Codec.frames(for: envelope, style: style, nextKey: counter(from: 0)) == [.text(text)], "\(vector.name)")
            checked += 1
        }
        #expect(checked == 22)
    }

    @Test func serverAttachmentsAreNumberedFromZeroAndSentBeforeTheEnvelope() throws {
        let result = WSLinkEnvelope.result(id: "rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:1", result: ["blob": .binary([0, 1, 2, 3]), "n": 4, "pair": [.binary([1, 2]), .binary([3])]])
        #expect(try WSLinkV1Codec.frames(for: result, style: WSLinkV1Codec.serverStyle, nextKey: counter(from: 0)) == wire([
            "attachment.header.bin0", "attachment.binary.bin0", "attachment.header.bin1", "attachment.binary.bin1",
            "attachment.header.bin2", "attachment.binary.bin2", "rpc.result.bytes",
        ]))
        let publish = WSLinkEnvelope.publish(topic: "demo.tick", ["i": 0, "img": .binary([0, 0, 0])])
        #expect(try WSLinkV1Codec.frames(for: publish, style: WSLinkV1Codec.serverStyle, nextKey: counter(from: 3))
            == wire(["publish.attachment.header.bin3", "publish.attachment.binary.bin3", "publish.tick.0"]))
    }

    @Test func clientAttachmentsAreNumberedFromOneInCompactStyle() throws {
        let call = WSLinkEnvelope.request(WSLinkRequest(id: "rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:2", method: "demo.len", args: [.binary([1, 2, 3, 4, 5])]))
        #expect(try WSLinkV1Codec.frames(for: call, style: WSLinkV1Codec.clientStyle, nextKey: counter(from: 1))
            == wire(["client.attachment.header.bin1", "client.attachment.binary.bin1", "rpc.call.len_with_attachment"]))
    }

    @Test func nonFiniteFloatsAndUnicodeAreWrittenThePythonWay() throws {
        let special = WSLinkEnvelope.result(id: "rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:4", result: [.double(.infinity), .double(.nan)])
        #expect(try WSLinkV1Codec.frames(for: special, style: WSLinkV1Codec.serverStyle, nextKey: counter(from: 0)) == wire(["rpc.result.special_nan_inf"]))
        let unicode = WSLinkEnvelope.result(id: "x", result: ["é": "中😀", 1: -0.5])
        #expect(try WSLinkV1Codec.frames(for: unicode, style: WSLinkV1Codec.serverStyle, nextKey: counter(from: 0))
            == [.text(#"{"wslink": "1.0", "id": "x", "result": {"é": "中😀", "1": -0.5}}"#)])
        let parsed = WSLinkV1Codec.value(from: try WSLinkV1Codec.parse("[NaN, -Infinity]"))
        #expect(parsed[0]?.doubleValue?.isNaN == true && parsed[1]?.doubleValue == -.infinity)
    }

    @Test func valuesWithoutAJSONFormAreRejected() {
        for value: MsgPackValue in [.ext(type: 3, data: [1]), .timestamp(seconds: 1, nanoseconds: 0), .uint(.max), [[1: 2] as MsgPackValue: 1]] {
            let error = #expect(throws: WSLinkError.self) {
                try WSLinkV1Codec.frames(for: .result(id: "x", result: value), style: WSLinkV1Codec.serverStyle) { 0 }
            }
            #expect(error?.code == .unencodableValue, "\(value)")
        }
    }

    @Test func attachmentKeysMatchWholeStringsOnly() {
        #expect(WSLinkV1Codec.isAttachmentKey("wslink_bin0"))
        #expect(WSLinkV1Codec.isAttachmentKey("wslink_bin123"))
        for key in ["wslink_bin", "wslink_bin1a", "xwslink_bin1", "wslink_bin-1", "wslink_bin1 "] {
            #expect(!WSLinkV1Codec.isAttachmentKey(key), "\(key)")
        }
        #expect(WSLinkV1Codec.value(from: .array([.string("wslink_bin12"), .string("wslink_bin1")]), attachments: ["wslink_bin1": [7]])
            == ["wslink_bin12", .binary([7])])
    }
}
