import MsgPack
import SwitchboardTesting
import Testing

@Suite struct MalformedInputTests {
    private func code(_ input: [UInt8], limits: MsgPackDecodingLimits = .default) -> MsgPackError.Code? {
        do {
            _ = try MsgPackValue(decoding: input, limits: limits)
            return nil
        } catch {
            return error.code
        }
    }

    /// Cutting any wslink payload short anywhere is an error, never a crash.
    @Test func truncationAtEveryByteOfEveryVector() throws {
        var checked = 0
        for message in try WSLinkPayload.all() {
            let payload = message.payload
            for cut in 0 ..< payload.count {
                #expect(code(Array(payload[..<cut])) == .truncated, "\(message.name) cut at \(cut)")
                checked += 1
            }
        }
        #expect(checked > 1000)
    }

    @Test(arguments: [
        ("db", "ffffffff"), ("c6", "ffffffff"), ("dd", "ffffffff"), ("df", "ffffffff"), ("c9", "ffffffff05"),
        ("da", "ffff"), ("c5", "ffff"), ("dc", "ffff"), ("de", "ffff"), ("c8", "ffff05"),
    ])
    func hugeClaimedLengthsAreTruncatedNotAllocated(_ marker: String, _ length: String) {
        #expect(code(bytes(marker + length + "0102")) == .truncated)
    }

    @Test func mapCountNeedsTwoBytesPerPair() {
        // Three bytes remain, but two pairs need at least four.
        #expect(code(bytes("820101c0")) == .truncated)
    }

    @Test func headersCutShort() {
        for input in ["cc", "cd00", "ce000000", "cf00000000000000", "d0", "d100", "d3", "ca0000", "cb",
                      "d9", "da00", "db000000", "c4", "c5", "dc00", "de", "d4", "d405", "c7", "c701", "d8ff"] {
            #expect(code(bytes(input)) == .truncated, "\(input)")
        }
        #expect(code([]) == .truncated)
    }

    @Test func reservedByte() {
        #expect(code([0xc1]) == .invalidByte)
        #expect(code(bytes("92c100")) == .invalidByte)
        let error = #expect(throws: MsgPackError.self) { try MsgPackValue(decoding: bytes("9201c1")) }
        #expect(error?.offset == 2)
    }

    @Test(arguments: ["a1ff", "a2c328", "a3eda080", "a2c0af", "a4f4908080", "a1" + "80"])
    func invalidUTF8(_ hexString: String) {
        #expect(code(bytes(hexString)) == .invalidUTF8)
    }

    @Test(arguments: [UInt8(0x91), 0x81])
    func tenThousandDeepNesting(_ marker: UInt8) {
        // 0x91 = array of one element; 0x81 = map of one pair whose key is 0 and value nests.
        var input: [UInt8] = []
        for _ in 0 ..< 10_000 {
            input.append(marker)
            if marker == 0x81 { input.append(0x00) }
        }
        input.append(0xc0)
        #expect(code(input) == .depthExceeded)
        #expect(code(input, limits: .unlimited) == .depthExceeded)
    }

    @Test func depthLimitIsExact() throws {
        let nested = [UInt8](repeating: 0x91, count: 3) + [0x01]
        #expect(code(nested, limits: MsgPackDecodingLimits(maxDepth: 2)) == .depthExceeded)
        #expect(try MsgPackValue(decoding: nested, limits: MsgPackDecodingLimits(maxDepth: 3)) == [[[1]]])
    }

    @Test func limitsEachReportLimitExceeded() {
        let string = MsgPackValue.string("hello").encoded()
        #expect(code(string, limits: MsgPackDecodingLimits(maxStringLength: 4)) == .limitExceeded)
        #expect(code(string, limits: MsgPackDecodingLimits(maxStringLength: 5)) == nil)

        let binary = MsgPackValue.binary([1, 2, 3]).encoded()
        #expect(code(binary, limits: MsgPackDecodingLimits(maxBinaryLength: 2)) == .limitExceeded)

        let ext = MsgPackValue.ext(type: 1, data: [1, 2, 3, 4]).encoded()
        #expect(code(ext, limits: MsgPackDecodingLimits(maxExtLength: 3)) == .limitExceeded)
        #expect(code(ext, limits: MsgPackDecodingLimits(maxExtLength: 4)) == nil)

        let array = MsgPackValue.array([1, 2, 3]).encoded()
        #expect(code(array, limits: MsgPackDecodingLimits(maxContainerCount: 2)) == .limitExceeded)
        let map: MsgPackValue = ["a": 1, "b": 2, "c": 3]
        #expect(code(map.encoded(), limits: MsgPackDecodingLimits(maxContainerCount: 2)) == .limitExceeded)

        #expect(code(array, limits: MsgPackDecodingLimits(maxInputBytes: 3)) == .limitExceeded)
        #expect(code(array, limits: MsgPackDecodingLimits(maxInputBytes: 4)) == nil)
    }

    @Test func inputLimitInStreamsAppliesToOneValue() throws {
        let limits = MsgPackDecodingLimits(maxInputBytes: 4)
        // Two 4-byte values: the first fits even though the buffer is larger than the limit.
        let stream = MsgPackValue.array([1, 2, 3]).encoded() + MsgPackValue.array([4, 5, 6]).encoded()
        #expect(try MsgPackValue.decodeFirst(from: stream, limits: limits).consumed == 4)
        let big = MsgPackValue.array([1, 2, 3, 4, 5]).encoded() + [0x00]
        let error = #expect(throws: MsgPackError.self) { try MsgPackValue.decodeFirst(from: big, limits: limits) }
        #expect(error?.code == .limitExceeded)
    }

    @Test func errorDescriptionNamesCodeAndOffset() {
        let error = MsgPackError(code: .truncated, message: "x", offset: 3)
        #expect(error.description == "truncated at offset 3: x")
    }
}
