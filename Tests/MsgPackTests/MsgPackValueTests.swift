import MsgPack
import Testing

@Suite struct MsgPackValueTests {
    @Test func integersCompareByValueAcrossCases() {
        #expect(MsgPackValue.uint(5) == .int(5))
        #expect(MsgPackValue.uint(5).hashValue == MsgPackValue.int(5).hashValue)
        #expect(MsgPackValue.uint(.max) != .int(-1))
        #expect(MsgPackValue.integer(UInt64.max) == .uint(.max))
        #expect(MsgPackValue.integer(UInt64(7)) == .int(7))
        #expect(Set<MsgPackValue>([.int(1), .uint(1)]).count == 1)
    }

    @Test func floatsCompareByBitPattern() {
        #expect(MsgPackValue.double(.nan) == .double(.nan))
        #expect(MsgPackValue.double(0.0) != .double(-0.0))
        #expect(MsgPackValue.float(1) != .double(1))
        #expect(MsgPackValue.double(1) != .int(1))
    }

    @Test func mapsCompareInOrder() {
        let ab: MsgPackValue = ["a": 1, "b": 2]
        let ba: MsgPackValue = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == .map([(key: "a", value: 1), (key: "b", value: 2)]))
        #expect(ab.hashValue == MsgPackValue.map(["a": 1, "b": 2]).hashValue)
    }

    @Test func dictionaryLiteralKeepsOrderAndDuplicates() {
        let value: MsgPackValue = ["z": 1, "a": 2, "z": 3]
        #expect(value.mapValue?.map(\.key) == ["z", "a", "z"])
        #expect(value["z"] == 3, "last duplicate wins on lookup, as in a Python dict")
    }

    @Test func accessors() {
        let value: MsgPackValue = ["s": "text", "i": 42, "big": .uint(.max), "d": 2.5, "f": .float(0.5),
                                   "b": true, "bin": .binary([1, 2]), "a": [10, 20], 7: "seven", "n": nil]
        #expect(value["s"]?.stringValue == "text")
        #expect(value["i"]?.intValue == 42)
        #expect(value["i"]?.int64Value == 42)
        #expect(value["i"]?.uint64Value == 42)
        #expect(value["i"]?.doubleValue == 42)
        #expect(value["big"]?.intValue == nil)
        #expect(value["big"]?.uint64Value == .max)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["f"]?.doubleValue == 0.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["bin"]?.binaryValue == [1, 2])
        #expect(value["a"]?[1] == 20)
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value[MsgPackValue.int(7)]?.stringValue == "seven")
        #expect(value["n"]?.isNil == true)
        #expect(value["missing"] == nil)
        #expect(MsgPackValue.int(-1).uint64Value == nil)
        #expect(MsgPackValue.string("x")[0] == nil)
    }

    @Test func description() {
        let value: MsgPackValue = [
            "a": [1, -2, 2.5, .float(1.5), nil, true], "b": .binary([0, 255]),
            "c": .ext(type: 3, data: [0xab]), "d": .timestamp(seconds: 1, nanoseconds: 2), "e": "q\"",
        ]
        #expect(value.description
            == #"{"a": [1, -2, 2.5, float32(1.5), nil, true], "b": bin(00ff), "c": ext(3, ab), "d": timestamp(1, 2), "e": "q\""}"#)
    }

    @Test func staticMapFromPairs() {
        #expect(MsgPackValue.map(["x": 1]) == ["x": 1])
    }
}
