import Logging
import MsgPack
import SwitchboardCore
import Testing
@testable import WSLink

@Suite struct WSLinkPublisherTests {
    private func binaries(_ frames: [Frame]) -> [[UInt8]] {
        frames.map { frame in
            guard let bytes = frame.bytes else { Issue.record("expected a binary frame"); return [] }
            return bytes
        }
    }

    /// The single-chunk fast path must produce exactly the chunker's bytes for the id it drew,
    /// at every size around the split point and with splitting off (0).
    @Test func twoPointXFramesAreTheChunkersBytes() throws {
        for maxMessageSize in [0, 1, 12, 13, 40, 64, 65, 100, 4_194_304] {
            let publisher = WSLinkPublisher(maxMessageSize: maxMessageSize, logger: Logger(label: "test"))
            for length in [0, 1, 10, 20, 30, 45, 60, 200] {
                let envelope = WSLinkEnvelope.result(id: "rpc:c1:7", result: .string(String(repeating: "x", count: length)))
                let frames = binaries(try publisher.frames(for: envelope, generation: .v2))
                let first = try #require(frames.first)
                let id = try #require(WSLinkChunkHeader(first)).id
                let expected = WSLinkChunker(maxMessageSize: maxMessageSize).chunks(of: envelope.encoded(), id: id)
                #expect(frames == expected, "max \(maxMessageSize), length \(length)")
            }
        }
    }

    /// Large values are encoded straight into their chunks (no contiguous encoding first): still
    /// the chunker's bytes, with blobs split across chunk boundaries at every offset.
    @Test func largeValuesChunkLikeTheChunker() throws {
        for maxMessageSize in [100, 4_096, 5_000, 65_536] {
            let publisher = WSLinkPublisher(maxMessageSize: maxMessageSize, logger: Logger(label: "test"))
            for length in [4_000, 4_097, 70_000, 200_003] {
                let blob = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let envelope = WSLinkEnvelope.result(id: "rpc:c1:9", result: ["blob": .binary(blob), "n": .int(Int64(length)), "s": .string(String(repeating: "y", count: length / 2))])
                let frames = binaries(try publisher.frames(for: envelope, generation: .v2))
                let first = try #require(frames.first)
                let id = try #require(WSLinkChunkHeader(first)).id
                let expected = WSLinkChunker(maxMessageSize: maxMessageSize).chunks(of: envelope.encoded(), id: id)
                #expect(frames == expected, "max \(maxMessageSize), length \(length)")
            }
        }
    }

    @Test func chunkIDsDoNotRepeat() {
        var seen = Set<UInt32>()
        for _ in 0..<10_000 { seen.insert(WSLinkMessageIDs.next()) }
        #expect(seen.count == 10_000)
    }
}
