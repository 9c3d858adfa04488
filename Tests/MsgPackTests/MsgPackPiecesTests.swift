import MsgPack
import Testing

/// `encode(pieces:)` must hand over exactly the bytes of `encoded()`, whatever is passed
/// through directly and however the scratch is flushed.
@Suite struct MsgPackPiecesTests {
    static let values: [MsgPackValue] = [
        nil, true, 1, -200, 1.5, .float(2.5), "", "short", .binary([]), [], [:],
        .string(String(repeating: "é", count: 5_000)),
        .binary((0..<70_000).map { UInt8(truncatingIfNeeded: $0) }),
        .ext(type: 7, data: (0..<9_000).map { UInt8(truncatingIfNeeded: $0 * 3) }),
        .timestamp(seconds: 1_700_000_000, nanoseconds: 5),
        [
            "id": "rpc:c1:1", "wslink": "1.0",
            "result": ["blob": .binary([UInt8](repeating: 9, count: 100_000)), "n": 100_000, "list": .array((0..<3_000).map { .int(Int64($0)) })],
        ],
    ]

    @Test(arguments: [1, 2, 16, 4096, 1 << 20])
    func piecesJoinToTheEncoding(threshold: Int) {
        for value in Self.values {
            var joined: [UInt8] = []
            var pieces = 0
            value.encode(directThreshold: threshold) { piece in
                #expect(!piece.isEmpty)
                joined.append(contentsOf: piece)
                pieces += 1
            }
            #expect(joined == value.encoded(), "threshold \(threshold): \(value.encodedByteCount) bytes")
        }
    }

    @Test func largePayloadsArePassedWithoutCopy() throws {
        let blob = [UInt8](repeating: 1, count: 50_000)
        let value: MsgPackValue = ["blob": .binary(blob)]
        var sizes: [Int] = []
        value.encode(directThreshold: 4096) { sizes.append($0.count) }
        // The map header, key and bin header in one piece, then the blob as it is.
        #expect(sizes == [1 + 5 + 3, 50_000])
    }
}
