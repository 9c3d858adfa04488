import MsgPack
import SwitchboardTesting
import Testing

@Suite struct MsgPackCodableTests {
    struct Call: Codable, Equatable {
        var wslink = "1.0"
        var id: String
        var method: String
        var args: [Int]
        var kwargs: [String: Int] = [:]
    }

    /// Field order follows declaration order, so the bytes equal the JS client's envelope.
    @Test func synthesizedCodableMatchesWireBytes() throws {
        let call = Call(id: "rpc:cX:0", method: "demo.add", args: [1, 2])
        let bytes = try MsgPackEncoder().encode(call)
        // From vector probe.rpc_before_hello (payload after the 12-byte header).
        #expect(hex(bytes) == "85a677736c696e6ba3312e30a26964a87270633a63583a30a66d6574686f64a864656d6f2e616464a461726773920102a66b776172677380")
        #expect(try MsgPackDecoder().decode(Call.self, from: bytes) == call)
    }

    struct Mixed: Codable, Equatable {
        var small: Float
        var large: Double
        var blob: [UInt8]
        var wrapped: MsgPackBinary
        var raw: MsgPackValue
        var optional: String?
        var nested: [[String: Int8]]
        var unsigned: UInt64
    }

    @Test func specialTypesUseNativeForms() throws {
        let value = Mixed(small: 1.5, large: 1.5, blob: [1, 2], wrapped: MsgPackBinary([3]),
                          raw: .ext(type: 4, data: [5]), optional: nil, nested: [["a": -1]], unsigned: .max)
        let encoded = try MsgPackEncoder().encodeToValue(value)
        let expected: MsgPackValue = [
            "small": .float(1.5), "large": .double(1.5), "blob": .binary([1, 2]), "wrapped": .binary([3]),
            "raw": .ext(type: 4, data: [5]), "nested": [["a": -1]], "unsigned": .uint(.max),
        ]
        #expect(encoded == expected)
        #expect(try MsgPackDecoder().decode(Mixed.self, from: try MsgPackEncoder().encode(value)) == value)
    }

    @Test func nilOptionalsCanBeWrittenAsNil() throws {
        struct Reply: Encodable { var id = "x"; var error: String? }
        var encoder = MsgPackEncoder()
        #expect(try encoder.encodeToValue(Reply()) == ["id": "x"])
        encoder.encodesNilOptionals = true
        #expect(try encoder.encodeToValue(Reply()) == ["id": "x", "error": nil])
        #expect(try encoder.encodeToValue([Int?.none, 1]) == [nil, 1])
    }

    @Test func integersDecodeAcrossStorageWithRangeChecks() throws {
        let decoder = MsgPackDecoder()
        #expect(try decoder.decode(UInt8.self, from: MsgPackValue.int(255)) == 255)
        #expect(try decoder.decode(UInt64.self, from: MsgPackValue.uint(.max)) == .max)
        #expect(try decoder.decode(Int64.self, from: MsgPackValue.uint(5)) == 5)
        #expect(try decoder.decode(Double.self, from: MsgPackValue.int(3)) == 3)
        #expect(try decoder.decode(Float.self, from: MsgPackValue.double(0.5)) == 0.5)
        #expect(try decoder.decode([UInt8].self, from: [1, 2, 255] as MsgPackValue) == [1, 2, 255])

        #expect(throws: DecodingError.self) { try decoder.decode(UInt8.self, from: MsgPackValue.int(256)) }
        #expect(throws: DecodingError.self) { try decoder.decode(UInt.self, from: MsgPackValue.int(-1)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Int64.self, from: MsgPackValue.uint(.max)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Int.self, from: MsgPackValue.double(1)) }
        #expect(throws: DecodingError.self) { try decoder.decode([UInt8].self, from: [1, 256] as MsgPackValue) }
        #expect(throws: DecodingError.self) { try decoder.decode(Float.self, from: MsgPackValue.double(1e300)) }
    }

    @Test func errorsCarryCodingPaths() throws {
        let bytes = MsgPackValue.map(["wslink": "1.0", "id": "x", "method": "m", "args": [1, "two"], "kwargs": [:]]).encoded()
        do {
            _ = try MsgPackDecoder().decode(Call.self, from: bytes)
            Issue.record("expected a type mismatch")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["args", "1"])
        }

        let missing = MsgPackValue.map(["wslink": "1.0"]).encoded()
        do {
            _ = try MsgPackDecoder().decode(Call.self, from: missing)
            Issue.record("expected a missing key")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "id")
        }

        do {
            _ = try MsgPackDecoder().decode(Call.self, from: [0x85, 0xc1])
            Issue.record("expected corrupted data")
        } catch DecodingError.dataCorrupted(let context) {
            #expect((context.underlyingError as? MsgPackError)?.code == .truncated)
        }
    }

    @Test func largeDictionariesRoundTripAndDuplicateKeysTakeTheLast() throws {
        let dictionary = Dictionary(uniqueKeysWithValues: (0 ..< 100).map { ("k\($0)", $0) })
        let bytes = try MsgPackEncoder().encode(dictionary)
        #expect(try MsgPackDecoder().decode([String: Int].self, from: bytes) == dictionary)

        let duplicated = MsgPackValue.map([(key: "id", value: "first"), (key: "id", value: "second")])
        struct Identified: Decodable { var id: String }
        #expect(try MsgPackDecoder().decode(Identified.self, from: duplicated).id == "second")

        let intKeys: MsgPackValue = [1: "a", 2: "b"]
        #expect(try MsgPackDecoder().decode([Int: String].self, from: intKeys) == [1: "a", 2: "b"])
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case point
    }

    class Base: Codable { var name = "base" }
    final class Derived: Base, @unchecked Sendable {
        // @unchecked: test-only, never shared across tasks.
        var extra = 7
        enum CodingKeys: CodingKey { case extra }
        override init() { super.init() }
        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            extra = try container.decode(Int.self, forKey: .extra)
            try super.init(from: container.superDecoder())
        }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(extra, forKey: .extra)
            try super.encode(to: container.superEncoder())
        }
    }

    @Test func enumsAndSuperEncoders() throws {
        for shape in [Shape.circle(radius: 2), .point] {
            #expect(try MsgPackDecoder().decode(Shape.self, from: try MsgPackEncoder().encode(shape)) == shape)
        }
        let value = try MsgPackEncoder().encodeToValue(Derived())
        #expect(value == ["extra": 7, "super": ["name": "base"]])
        #expect(try MsgPackDecoder().decode(Derived.self, from: value.encoded()).extra == 7)
    }

    @Test func rawValuePassesThroughBothWays() throws {
        let raw: MsgPackValue = [.timestamp(seconds: 1, nanoseconds: 2), .binary([9]), ["k": .uint(.max)]]
        #expect(try MsgPackEncoder().encode(raw) == raw.encoded())
        #expect(try MsgPackDecoder().decode(MsgPackValue.self, from: raw.encoded()) == raw)
        var buffer: [UInt8] = [0xff]
        try MsgPackEncoder().encode(raw, into: &buffer)
        #expect(buffer == [0xff] + raw.encoded())
    }
}
