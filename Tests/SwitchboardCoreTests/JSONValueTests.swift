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
