import MsgPack
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkChunkerTests {
    /// Session C ran with WSLINK_MAX_MSG_SIZE=128 (its hello request fits one chunk either way).
    private func maxSize(for message: V2Message) -> Int {
        message.session == "C" ? 128 : 4_194_304
    }

    @Test func everyVectorIsReproducedByteExactWithItsChunkID() throws {
        let messages = try V2Message.all()
        #expect(messages.count == 30)
        for message in messages {
            let payload = message.isEnvelope ? try WSLinkEnvelope(message.decoded).encoded() : message.decoded.encoded()
            let frames = WSLinkChunker(maxMessageSize: maxSize(for: message)).chunks(of: payload, id: message.header.id)
            #expect(frames.map { hex($0) } == message.chunks.map { hex($0) }, "\(message.name)")
        }
    }

    @Test func theTwoChunkExampleSplitsAt116ContentBytes() throws {
        let call = try V2Message.named("chunked.call.part2")
        #expect(call.chunks.count == 2)
        let frames = WSLinkChunker(maxMessageSize: 128).chunks(of: try WSLinkEnvelope(call.decoded).encoded(), id: 0x7a98_2e56)
        #expect(frames.map(\.count) == [128, 12 + 73])
        #expect(WSLinkChunkHeader(frames[1]) == WSLinkChunkHeader(id: 0x7a98_2e56, offset: 116, size: 189))
        #expect(hex(frames[1].prefix(12)) == "562e987a74000000bd000000")
    }

    @Test func theCapturedLargeMessageHeadersAreReproduced() {
        let payload = [UInt8](repeating: 7, count: 5_242_994)
        let frames = WSLinkChunker(maxMessageSize: 4_194_304).chunks(of: payload, id: 0x502c_bd41)
        #expect(frames.map { hex($0.prefix(12)) } == ["41bd2c500000000072005000", "41bd2c50f4ff3f0072005000"])
        #expect(frames.map(\.count) == [4_194_304, 12 + 1_048_702])
    }

    @Test func zeroMeansOneChunkAndTinyLimitsStillProgress() {
        let payload: [UInt8] = Array(0..<10)
        #expect(WSLinkChunker(maxMessageSize: 0).chunks(of: payload, id: 1).count == 1)
        let tiny = WSLinkChunker(maxMessageSize: 5).chunks(of: payload, id: 1)
        #expect(tiny.count == 10)
        #expect(tiny.allSatisfy { $0.count == 13 })
        #expect(WSLinkChunker(maxMessageSize: 100).chunks(of: [], id: 9).map(hex) == ["090000000000000000000000"])
    }

    @Test func headerRoundTripsAndRejectsShortFrames() {
        let header = WSLinkChunkHeader(id: 0xdead_beef, offset: 0x0102_0304, size: 0xffff_ffff)
        var bytes: [UInt8] = []
        header.write(to: &bytes)
        #expect(hex(bytes) == "efbeadde04030201ffffffff")
        #expect(WSLinkChunkHeader(bytes) == header)
        #expect(WSLinkChunkHeader(bytes.prefix(11)) == nil)
    }
}
