import SwitchboardCore
import MsgPack
import SwitchboardTesting
import Testing

/// A complete wslink 2.x msgpack payload from the vectors, chunk headers removed.
struct WSLinkPayload: CustomStringConvertible {
    var name: String
    var payload: [UInt8]
    var decoded: JSONValue

    var description: String { name }

    /// The 12-byte chunk header: little-endian id, offset and total size.
    static func header(_ bytes: [UInt8]) -> (id: UInt32, offset: Int, size: Int) {
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        return (word(0), Int(word(4)), Int(word(8)))
    }

    /// Every message whose `decoded` is known: single chunks as they are, split messages
    /// reassembled from their parts by each chunk's offset.
    static func all() throws -> [WSLinkPayload] {
        let file = try GoldenVectorFile.load("wslink-v2")
        var payloads: [WSLinkPayload] = []
        for vector in file.vectors where vector.frame == "binary" {
            guard let decoded = vector.decoded, !decoded.isNull, let bytes = vector.bytes else { continue }
            let parts = vector["reassembled_from"]?.arrayValue?.compactMap(\.stringValue) ?? [vector.name]
            let header = header(bytes)
            var payload = [UInt8](repeating: 0, count: header.size)
            var filled = 0
            for part in parts {
                guard let chunk = file.vector(named: part)?.bytes else { throw GoldenVectorError("vector file lacks \(part)") }
                let chunkHeader = Self.header(chunk)
                let content = chunk.dropFirst(12)
                payload.replaceSubrange(chunkHeader.offset ..< chunkHeader.offset + content.count, with: content)
                filled += content.count
            }
            guard filled == header.size else { throw GoldenVectorError("chunks of \(vector.name) do not cover its payload") }
            payloads.append(WSLinkPayload(name: vector.name, payload: payload, decoded: decoded))
        }
        return payloads
    }
}

@Suite struct WSLinkVectorTests {
    @Test func everyMessageDecodesAndReencodesByteExact() throws {
        let payloads = try WSLinkPayload.all()
        #expect(payloads.count >= 28)
        #expect(payloads.contains { $0.name == "chunked.call.part2" })
        #expect(payloads.contains { $0.name == "chunked.result.part2" })
        for message in payloads {
            let value = try MsgPackValue(decoding: message.payload)
            #expect(value == msgPackValue(fromJSON: message.decoded), "\(message.name)")
            #expect(hex(value.encoded()) == hex(message.payload), "\(message.name)")
        }
    }

    @Test func incompleteChunksAreTruncated() throws {
        let file = try GoldenVectorFile.load("wslink-v2")
        let first = try #require(file.vector(named: "chunked.call.part1")?.bytes)
        #expect(WSLinkPayload.header(first).size > first.count - 12)
        let error = #expect(throws: MsgPackError.self) { try MsgPackValue(decoding: Array(first.dropFirst(12))) }
        #expect(error?.code == .truncated)
    }

    /// A 1.x-style JSON text frame must never pass for a msgpack message: its first byte
    /// `{` (0x7b) is a positive fixint, and the rest is trailing garbage.
    @Test func textFramesAreNotMistakenForMsgPack() throws {
        let file = try GoldenVectorFile.load("wslink-v2")
        let textVectors = file.vectors.filter { $0.frame == "text" }
        #expect(!textVectors.isEmpty)
        for vector in textVectors {
            let text = try #require(vector.text)
            #expect(vector.bytes == Array(text.utf8))
            let error = #expect(throws: MsgPackError.self) { try MsgPackValue(decoding: Array(text.utf8)) }
            #expect(error?.code == .trailingBytes, "\(vector.name)")
        }
    }

    @Test func decodedHelloMatchesTypedAccess() throws {
        let hello = try #require(try WSLinkPayload.all().first { $0.name == "hello.request" })
        let value = try MsgPackValue(decoding: hello.payload)
        #expect(value["method"]?.stringValue == "wslink.hello")
        #expect(value["args"]?[0]?["secret"]?.stringValue == "wslink-secret")
        #expect(value.mapValue?.map(\.key) == ["wslink", "id", "method", "args", "kwargs"])
    }
}
