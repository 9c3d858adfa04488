import NIOCore
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("JSONValue: ordered parsing and Python-compatible writing")
struct JSONValueTests {
    @Test("keys keep document order and integers stay apart from floats")
    func orderAndNumberKinds() throws {
        let value = try JSONValue(parsing: #"{"z": 1, "a": 1.0, "m": [true, null, "x"]}"#)
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
        #expect(value["z"] == .integer(1))
        #expect(value["a"] == .double(1))
        #expect(value.encoded(.python) == #"{"z": 1, "a": 1.0, "m": [true, null, "x"]}"#)
        #expect(value.encoded(.compact) == #"{"z":1,"a":1.0,"m":[true,null,"x"]}"#)
    }

    @Test("Python's float repr layout", arguments: [
        (1e16, "1e+16"), (9007199254740992, "9007199254740992.0"), (1e-5, "1e-05"), (0.0001, "0.0001"),
        (123.456, "123.456"), (-2.5e-7, "-2.5e-07"), (1.5e300, "1.5e+300"), (0.0, "0.0"), (-0.0, "-0.0"),
        (1700000000.123456, "1700000000.123456"), (Double.leastNonzeroMagnitude, "5e-324"), (100.0, "100.0"),
    ])
    func floatRepr(_ value: Double, _ expected: String) {
        #expect(JSONValue.pythonRepr(value) == expected)
    }

    // Python 3's repr of each value (its exact bits as a hex literal), around the layout
    // boundaries (1e-4, 2^53, 1e16) and at random across -6...17 decimal exponents: the
    // writer's shortcut through Swift's own description must agree with Python everywhere.
    @Test("Python's float repr: boundaries and random values", arguments: [
        (0x1.a36e2eb1c432dp-14, "0.0001"), (0x1.a36e2eb1c432cp-14, "9.999999999999999e-05"), (0x1.a36e2eb1c432ep-14, "0.00010000000000000002"),
        (0x1.0000000000000p+53, "9007199254740992.0"), (0x1.fffffffffffffp+52, "9007199254740991.0"), (0x1.0000000000001p+53, "9007199254740994.0"),
        (0x1.c6bf526340000p+49, "1000000000000000.0"), (0x1.1c37937e07fffp+53, "9999999999999998.0"), (0x1.1c37937e08000p+53, "1e+16"),
        (0x1.c12218377de6bp+46, "123456789012345.67"), (0x1.999999999999ap-4, "0.1"), (0x1.3333333333334p-2, "0.30000000000000004"),
        (0x1.5555555555555p-2, "0.3333333333333333"), (0x1.5d867c3ece2a5p-11, "0.0006666666666666666"), (0x1.a36e2eb1c432dp-15, "5e-05"),
        (0x0.0000000000001p-1022, "5e-324"), (0x1.fffffffffffffp+1023, "1.7976931348623157e+308"), (-0x1.a36e2eb1c432dp-14, "-0.0001"),
        (-0x1.0000000000000p+53, "-9007199254740992.0"), (0x1.9d45b2bff35bap+30, "1733389487.9876542"), (0x1.074324d15229cp-19, "1.961456839314901e-06"),
        (-0x1.cdb6c5cb96510p-19, "-3.4400370390429085e-06"), (0x1.e5c0d785a9839p-19, "3.6191440269837843e-06"), (-0x1.227fe5b9a2895p-14, "-6.926050164160682e-05"),
        (-0x1.b42bcfac7602bp-15, "-5.1995651435710347e-05"), (0x1.7d33cfca3c5f6p-15, "4.5442866012278886e-05"), (-0x1.618afc0ede65fp-12, "-0.0003371647916804217"),
        (-0x1.babd583b40ceep-12, "-0.0004222294116546639"), (0x1.bd3a86d262533p-12, "0.00042460309955368313"), (-0x1.410e0cfd544dap-9, "-0.002449454389229372"),
        (0x1.45a722808a314p-9, "0.002484534227069077"), (-0x1.143324f35bc27p-9, "-0.002107237110684962"), (-0x1.99a0ec47a2407p-7, "-0.012500872965818045"),
        (-0x1.d145a5a7a9f25p-6, "-0.028397952816390366"), (-0x1.7b8ac69c27d3bp-5, "-0.046330821905252915"), (0x1.d0443182fe698p-1, "0.9067702743916071"),
        (0x1.c54abd5e83834p-1, "0.8853358438370891"), (-0x1.3de6eb3521998p-1, "-0.62090239547324"), (0x1.50bd79bc89bbdp+1, "2.6307823343845187"),
        (-0x1.ee462f46fc339p+2, "-7.723033732720801"), (0x1.67f0288866e88p+2, "5.624033101277412"), (0x1.12ff87b0bbecbp+5, "34.37477052758694"),
        (-0x1.ad03107bd77e4p+5, "-53.626496284021215"), (0x1.b8587f20ea740p+5, "55.04321122851843"), (0x1.a221e19e142c4p+7, "209.0661744498849"),
        (0x1.5ec4b79893429p+8, "350.7684264525911"), (-0x1.f4ca68b0c5a28p+6, "-125.19766498762385"), (0x1.fa37c7defe3c0p+10, "2024.8715741617925"),
        (0x1.2dab2b7767df9p+12, "4826.698111921077"), (-0x1.6b5a77dbe0637p+12, "-5813.654262424962"), (-0x1.27c26e3985988p+15, "-37857.21528260695"),
        (0x1.816baa2fae1b6p+15, "49333.832395020334"), (-0x1.02641fcd70a89p+15, "-33074.06211425836"), (-0x1.314f3fd865be0p+18, "-312636.997582851"),
        (0x1.381df647716c4p+17, "159803.9240552691"), (-0x1.07be9969b30f2p+19, "-540148.7941527648"), (0x1.76f0c28d67d2cp+22, "6143024.638091367"),
        (-0x1.0134f5a47e6abp+23, "-8428154.821276983"), (-0x1.21c6bd92dffbep+23, "-9495390.786865111"), (-0x1.6a4a97c0a0e85p+23, "-11871563.876227627"),
        (-0x1.6892dedf186ecp+26, "-94522235.48586625"), (0x1.40775980463a2p+25, "42004147.00214316"), (-0x1.0832c0237fd5ap+27, "-138515969.1093548"),
        (0x1.8605b56f3a49fp+29, "817936045.9034613"), (0x1.ac4cc61b38a97p+28, "449104993.70133346"), (0x1.459f22f705a51p+31, "2731512187.511025"),
        (-0x1.25702d94e6a54p+33, "-9846151977.801918"), (-0x1.5365def0de1f7p+32, "-5694152432.867667"), (0x1.711b7c9a028dap+36, "99081505184.15958"),
        (0x1.88467bf839651p+33, "13162575856.448397"), (0x1.291369b40b51cp+36, "79745686336.70746"), (-0x1.1df21540a8dabp+38, "-307031789610.21356"),
        (0x1.ec0a05a540ae4p+37, "264161506472.08508"), (-0x1.2bab36bdffe7fp+39, "-643533856511.953"), (-0x1.a5b3245d26830p+41, "-3622373472845.0234"),
        (0x1.2ae698e5edeb8p+40, "1283769034221.92"), (0x1.446980f986c54p+42, "5573357856283.082"), (-0x1.38bcc27eb13fep+45, "-42982293100071.984"),
        (-0x1.d23803f0cb4d6p+44, "-32038312676532.836"), (-0x1.ae431cfcdea22p+45, "-59134781135828.266"), (0x1.ea5e6a55a499ep+48, "539166208533657.9"),
        (-0x1.256236da2ec8bp+48, "-322578734001864.7"), (-0x1.dac8de73cf42ap+48, "-522031237156674.6"), (0x1.9ac3c27b2fd59p+50, "1806562195455830.2"),
        (0x1.ed32161c23ec0p+50, "2169097407205296.0"), (0x1.9afd084e3f8d8p+52, "7230184535357656.0"), (-0x1.9cb05b4c63d6dp+54, "-2.9040399143728564e+16"),
        (-0x1.6525d4cd003a3p+55, "-5.0264081294171416e+16"), (0x1.9e24462349549p+53, "1.4571315502066322e+16"), (-0x1.26141d400fa57p+58, "-3.3110303605722874e+17"),
        (-0x1.04bef874a7e8ap+59, "-5.871477461047882e+17"), (0x1.7fa993e205848p+57, "2.1598273739496064e+17"),
    ] as [(Double, String)])
    func floatReprAgainstPython(_ value: Double, _ expected: String) {
        #expect(JSONValue.pythonRepr(value) == expected)
    }

    @Test("ensure_ascii escapes non-ASCII, DEL and astral characters as Python does")
    func asciiEscapes() {
        let value = JSONValue.string("héllo \u{7f} 你好 🎉 \u{08}\u{0c}\u{01}")
        #expect(value.encoded(.python) == #""h\u00e9llo \u007f \u4f60\u597d \ud83c\udf89 \b\f\u0001""#)
        #expect(value.encoded(.compact) == "\"héllo \u{7f} 你好 🎉 \\b\\f\\u0001\"")
    }

    @Test("NaN and Infinity: accepted on input like json.loads, written like json.dumps")
    func nonFiniteNumbers() throws {
        let value = try JSONValue(parsing: "[NaN, Infinity, -Infinity, -1]")
        #expect(value.encoded(.python) == "[NaN, Infinity, -Infinity, -1]")
        #expect(throws: JSONParseError.self) {
            try JSONValue(parsing: "[NaN]", options: JSONParseOptions(allowNonFiniteNumbers: false))
        }
    }

    @Test("integers: the short-number path and the Int64 edges", arguments: [
        ("0", JSONValue.integer(0)), ("-0", .integer(0)), ("7", .integer(7)), ("-42", .integer(-42)),
        ("999999999999999999", .integer(999_999_999_999_999_999)), ("-99999999999999999", .integer(-99_999_999_999_999_999)),
        ("-999999999999999999", .integer(-999_999_999_999_999_999)),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("12.5", .double(12.5)),
    ])
    func integers(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: Array(text.utf8)) == expected)
    }

    @Test("a ByteBuffer parses in place, from its reader index")
    func parsesByteBuffer() throws {
        var buffer = ByteBuffer(string: "xx{\"a\": [1, \"é\"]}")
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try JSONValue(parsing: buffer) == .object([.init(key: "a", value: .array([.integer(1), .string("é")]))]))
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: ByteBuffer(string: "nul")) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: ByteBuffer()) }
    }

    @Test("malformed and hostile input is an error, never a crash", arguments: [
        "", "{", "[1,]", "\"\\ud800\"", "01x", "1.", "-.5", "1e", "+1", "1.5e+", "{\"a\" 1}", "\"\\x\"", "01", "[1] 2", "\"\u{01}\"", "tru", "-", "{\"a\":}",
        String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test("random documents re-dump byte-identical through Python's json module")
    func pythonCrossCheck() async throws {
        var generator = Generator(seed: 0x5eed_1234)
        let documents = (0..<300).map { _ in generator.value(depth: 0) }
        let input = documents.map { $0.encoded(.compact) }.joined(separator: "\n") + "\n"
        let lines = try await PythonPeer.run(script: "Interop/json_crosscheck.py", ["redump"], input: input, requiring: ["json"])
        try #require(lines.count == documents.count)
        for (document, line) in zip(documents, lines) {
            let halves = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            #expect(halves == [document.encoded(.python), document.encoded(.pythonCompact)], "\(document)")
        }
    }

    @Test func escapesSurrogatesAndNumberForms() throws {
        let json = try JSONValue(parsing: #" {"b": 1, "a": [true, 2.5, -0, 1e3, null], "c": {"z": "\u00e9\ud83d\ude00\n"}} "#)
        #expect(json.objectValue?.map(\.key) == ["b", "a", "c"])
        #expect(json["b"] == .integer(1))
        #expect(json["a"]?[1] == .double(2.5))
        #expect(json["a"]?[2] == .integer(0))
        #expect(json["a"]?[3] == .double(1000))
        #expect(json["a"]?[4]?.isNull == true)
        #expect(json["c"]?["z"]?.stringValue == "é😀\n")
        #expect(json.description == #"{"b":1,"a":[true,2.5,0,1000.0,null],"c":{"z":"é😀\n"}}"#)
    }


    /// Seeded random JSON: nested containers, unicode, control characters, extreme numbers.
    private struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        mutating func string() -> String {
            let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{7f}", "é", "你", "🎉", "\u{2028}"]
            var result = ""
            for _ in 0..<below(8) { result.unicodeScalars.append(alphabet[below(alphabet.count)]) }
            return result
        }

        mutating func value(depth: Int) -> JSONValue {
            switch below(depth > 3 ? 6 : 8) {
            case 0: return .null
            case 1: return .bool(below(2) == 0)
            case 2: return .integer(Int64(bitPattern: next()) >> Int64(below(63)))
            case 3:
                let double = Double(bitPattern: next())
                return .double(double.isNaN ? 0.5 : double)
            case 4: return .double(Double(below(2_000_000)) / Double([1, 10, 1000, 3][below(4)]))
            case 5: return .string(string())
            case 6: return .array((0..<below(4)).map { _ in value(depth: depth + 1) })
            default:
                return .object((0..<below(4)).map { index in JSONValue.Pair(key: string() + "\(index)", value: value(depth: depth + 1)) })
            }
        }
    }
}
