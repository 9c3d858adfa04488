import MsgPack
import SwitchboardTesting
import Testing

@Suite struct MsgPackDecodingTests {
    /// Every canonical form decodes to its value and re-encodes to the same bytes.
    @Test(arguments: MsgPackEncodingTests.scalars.indices)
    func canonicalScalarsRoundTrip(_ index: Int) throws {
        let (value, hexString) = MsgPackEncodingTests.scalars[index]
        let decoded = try MsgPackValue(decoding: bytes(hexString))
        #expect(decoded == value)
        #expect(hex(decoded.encoded()) == hexString)
    }

    @Test func integersDecodeToTheirCanonicalCase() throws {
        #expect(try MsgPackValue(decoding: bytes("cf7fffffffffffffff")) == .int(.max))
        if case .int = try MsgPackValue(decoding: bytes("cf7fffffffffffffff")) {} else { Issue.record("expected .int") }
        if case .uint = try MsgPackValue(decoding: bytes("cf8000000000000000")) {} else { Issue.record("expected .uint") }
    }

    /// Other encoders may use wider forms than needed; they decode to the same values.
    static let nonCanonical: [(String, MsgPackValue)] = [
        ("cc05", 5), ("cd0005", 5), ("ce00000005", 5), ("cf0000000000000005", 5),
        ("d005", 5), ("d1fffe", -2), ("d2fffffffe", -2), ("d3fffffffffffffffe", -2),
        ("d903616263", "abc"), ("da0003616263", "abc"), ("db00000003616263", "abc"),
        ("c60000000100", .binary([0])), ("dc000101", [1]), ("dd0000000101", [1]),
        ("de0001a16101", ["a": 1]), ("df00000001a16101", ["a": 1]),
        ("ca3fc00000", .float(1.5)), ("c9000000010500", .ext(type: 5, data: [0])),
        ("d7ff0000000000000005", .timestamp(seconds: 5, nanoseconds: 0)),
        ("c70cff000000000000000000000005", .timestamp(seconds: 5, nanoseconds: 0)),
    ]

    @Test(arguments: nonCanonical.indices)
    func nonCanonicalFormsDecode(_ index: Int) throws {
        let (hexString, expected) = Self.nonCanonical[index]
        #expect(try MsgPackValue(decoding: bytes(hexString)) == expected)
    }

    @Test(arguments: MsgPackEncodingTests.timestamps.indices)
    func timestampsDecode(_ index: Int) throws {
        let (seconds, nanos, hexString) = MsgPackEncodingTests.timestamps[index]
        #expect(try MsgPackValue(decoding: bytes(hexString)) == .timestamp(seconds: seconds, nanoseconds: nanos))
    }

    /// Ext −1 payloads that are not valid timestamps stay raw so they still round-trip.
    @Test(arguments: ["d5ff0102", "d7fffffffffc00000000", "c70cff3b9aca00" + "0000000000000000", "c705ff0102030405"])
    func invalidTimestampsStayRawExtensions(_ hexString: String) throws {
        let value = try MsgPackValue(decoding: bytes(hexString))
        guard case .ext(let type, _) = value else {
            Issue.record("expected raw ext, got \(value)")
            return
        }
        #expect(type == -1)
        #expect(hex(value.encoded()) == hexString)
    }

    @Test func duplicateKeysArePreserved() throws {
        let value = try MsgPackValue(decoding: bytes("82a16101a16102"))
        #expect(value.mapValue?.count == 2)
        #expect(value["a"] == 2)
        #expect(hex(value.encoded()) == "82a16101a16102")
    }

    @Test func slicesAndRawBuffersDecodeWithoutCopying() throws {
        let buffer = bytes("ffff92a178c0eeee")
        #expect(try MsgPackValue(decoding: buffer[2 ..< 6]) == ["x", nil])
        let fromPointer = try buffer.withUnsafeBytes { raw in
            try MsgPackValue(decoding: UnsafeRawBufferPointer(rebasing: raw[2 ..< 6]))
        }
        #expect(fromPointer == ["x", nil])
        let (first, consumed) = try MsgPackValue.decodeFirst(from: buffer[2...])
        #expect(first == ["x", nil])
        #expect(consumed == 4)
    }

    @Test func decodeFirstReportsConsumedBytes() throws {
        let stream = bytes("01a26869c0")
        var offset = 0
        var values: [MsgPackValue] = []
        while offset < stream.count {
            let (value, consumed) = try MsgPackValue.decodeFirst(from: stream[offset...])
            values.append(value)
            offset += consumed
        }
        #expect(values == [1, "hi", nil])
        let pointerResult = try stream.withUnsafeBytes { try MsgPackValue.decodeFirst(from: $0) }
        #expect(pointerResult.consumed == 1)
    }

    /// Feeding a stream one byte at a time yields the same values as decoding all at once.
    @Test(arguments: [1, 3, 7, 1000])
    func byteByByteStreamMatchesWholeDecode(_ seed: UInt64) throws {
        var generator = RandomValues(seed: seed)
        let messages = (0 ..< 20).map { _ in generator.value(depth: 1) }
        let stream = messages.flatMap { $0.encoded() }

        var pending: [UInt8] = []
        var streamed: [MsgPackValue] = []
        for byte in stream {
            pending.append(byte)
            while let (value, consumed) = try MsgPackValue.decodeFirstIfComplete(from: pending) {
                streamed.append(value)
                pending.removeFirst(consumed)
            }
        }
        #expect(pending.isEmpty)
        #expect(streamed == messages)
    }

    @Test func trailingBytesAreRejectedOnlyByTheWholeBufferAPI() throws {
        let error = #expect(throws: MsgPackError.self) { try MsgPackValue(decoding: bytes("0102")) }
        #expect(error?.code == .trailingBytes)
        #expect(error?.offset == 1)
        #expect(try MsgPackValue.decodeFirst(from: bytes("0102")).consumed == 1)
    }
}
