import MsgPack
import SwitchboardTesting
import Testing

/// Expected bytes below were produced by Python `msgpack.packb` (1.2.4); float32 ones with
/// `use_single_float=True`.
@Suite struct MsgPackEncodingTests {
    static let scalars: [(MsgPackValue, String)] = [
        (0, "00"), (1, "01"), (127, "7f"), (128, "cc80"), (255, "ccff"), (256, "cd0100"),
        (65535, "cdffff"), (65536, "ce00010000"), (4_294_967_295, "ceffffffff"),
        (4_294_967_296, "cf0000000100000000"), (.int(.max), "cf7fffffffffffffff"),
        (.uint(1 << 63), "cf8000000000000000"), (.uint(.max), "cfffffffffffffffff"),
        (-1, "ff"), (-32, "e0"), (-33, "d0df"), (-128, "d080"), (-129, "d1ff7f"), (-32768, "d18000"),
        (-32769, "d2ffff7fff"), (-2_147_483_648, "d280000000"), (-2_147_483_649, "d3ffffffff7fffffff"),
        (.int(.min), "d38000000000000000"),
        (nil, "c0"), (true, "c3"), (false, "c2"),
        (1.5, "cb3ff8000000000000"), (.double(-0.0), "cb8000000000000000"), (.double(.infinity), "cb7ff0000000000000"),
        (.float(1.5), "ca3fc00000"), (.float(-0.0), "ca80000000"),
        ("", "a0"), ("é", "a2c3a9"), (.binary([]), "c400"), ([], "90"), ([:], "80"),
    ]

    @Test(arguments: scalars.indices)
    func scalarAndEmptyForms(_ index: Int) {
        let (value, expected) = Self.scalars[index]
        #expect(hex(value.encoded()) == expected, "\(value)")
        #expect(value.encodedByteCount == expected.count / 2)
    }

    @Test func nonCanonicalUIntCaseEncodesLikeInt() {
        #expect(MsgPackValue.uint(5).encoded() == [0x05])
        #expect(MsgPackValue.uint(300).encoded() == MsgPackValue.int(300).encoded())
    }

    static let timestamps: [(Int64, UInt32, String)] = [
        (0, 0, "d6ff00000000"), (4_294_967_295, 0, "d6ffffffffff"), (4_294_967_296, 0, "d7ff0000000100000000"),
        (1, 1, "d7ff0000000400000001"), ((1 << 34) - 1, 999_999_999, "d7ffee6b27ffffffffff"),
        (1 << 34, 0, "c70cff000000000000000400000000"), (-1, 0, "c70cff00000000ffffffffffffffff"),
        (-1, 500, "c70cff000001f4ffffffffffffffff"),
    ]

    @Test(arguments: timestamps.indices)
    func timestampForms(_ index: Int) {
        let (seconds, nanos, expected) = Self.timestamps[index]
        let value = MsgPackValue.timestamp(seconds: seconds, nanoseconds: nanos)
        #expect(hex(value.encoded()) == expected)
        #expect(value.encodedByteCount == expected.count / 2)
    }

    static let exts: [(Int8, [UInt8], String)] = [
        (5, [1], "d40501"), (5, [1, 2], "d5050102"), (5, Array("abc".utf8), "c70305616263"),
        (5, Array("abcd".utf8), "d60561626364"), (5, Array("abcdefgh".utf8), "d7056162636465666768"),
        (5, [UInt8](repeating: 0, count: 16), "d805" + String(repeating: "00", count: 16)),
        (127, [], "c7007f"), (5, [UInt8](repeating: 0, count: 17), "c71105" + String(repeating: "00", count: 17)),
    ]

    @Test(arguments: exts.indices)
    func extForms(_ index: Int) {
        let (type, data, expected) = Self.exts[index]
        #expect(hex(MsgPackValue.ext(type: type, data: data).encoded()) == expected)
    }

    /// Header bytes for lengths at every format boundary: (length, str prefix, bin prefix).
    static let lengthBoundaries: [(Int, String, String)] = [
        (31, "bf", "c41f"), (32, "d920", "c420"), (255, "d9ff", "c4ff"), (256, "da0100", "c50100"),
        (65535, "daffff", "c5ffff"), (65536, "db00010000", "c600010000"),
    ]

    @Test(arguments: lengthBoundaries.indices)
    func stringAndBinaryHeaders(_ index: Int) {
        let (length, stringHeader, binaryHeader) = Self.lengthBoundaries[index]
        let string = MsgPackValue.string(String(repeating: "x", count: length)).encoded()
        #expect(hex(string.prefix(stringHeader.count / 2)) == stringHeader)
        #expect(string.count == stringHeader.count / 2 + length)
        let binary = MsgPackValue.binary([UInt8](repeating: 0x78, count: length)).encoded()
        #expect(hex(binary.prefix(binaryHeader.count / 2)) == binaryHeader)
        #expect(binary.count == binaryHeader.count / 2 + length)
    }

    /// (count, array prefix, map prefix) where maps hold `{i: 0}` for `i` in `0..<count`.
    static let countBoundaries: [(Int, String, String)] = [
        (15, "9f", "8f"), (16, "dc0010", "de0010"), (65535, "dcffff", "deffff"), (65536, "dd00010000", "df00010000"),
    ]

    @Test(arguments: countBoundaries.indices)
    func arrayAndMapHeaders(_ index: Int) {
        let (count, arrayHeader, mapHeader) = Self.countBoundaries[index]
        let array = MsgPackValue.array(Array(repeating: 0, count: count)).encoded()
        #expect(hex(array.prefix(arrayHeader.count / 2)) == arrayHeader)
        let map = MsgPackValue.map((0 ..< count).map { (key: .int(Int64($0)), value: 0) }).encoded()
        #expect(hex(map.prefix(mapHeader.count / 2)) == mapHeader)
        #expect(MsgPackValue.map((0 ..< count).map { (key: .int(Int64($0)), value: 0) }).encodedByteCount == map.count)
    }

    @Test(arguments: [(255, "c7ff07"), (256, "c8010007"), (65535, "c8ffff07"), (65536, "c90001000007")])
    func extHeaders(_ length: Int, _ header: String) {
        let encoded = MsgPackValue.ext(type: 7, data: [UInt8](repeating: 0, count: length)).encoded()
        #expect(hex(encoded.prefix(header.count / 2)) == header)
        #expect(encoded.count == header.count / 2 + length)
    }

    @Test func nestedMapKeepsOrderAndKeyTypes() {
        // Python: msgpack.packb({'a': [1, {'b': None}], 1: b'\x00'})
        let value: MsgPackValue = ["a": [1, ["b": nil]], 1: .binary([0])]
        #expect(hex(value.encoded()) == "82a161920181a162c001c40100")
    }

    @Test func encodeIntoAppendsAfterExistingBytes() {
        var buffer: [UInt8] = [0xaa, 0xbb]
        MsgPackValue.array([1, "x"]).encode(into: &buffer)
        #expect(hex(buffer) == "aabb9201a178")
    }
}
