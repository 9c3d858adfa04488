import MsgPack

/// msgpack: the value decoder, the streaming entry points, tight limits and the Codable decoder.
enum MsgPackHarness {
    /// Small enough that the fuzzer reaches every limit with short inputs.
    static let tightLimits = MsgPackDecodingLimits(
        maxDepth: 8, maxContainerCount: 16, maxStringLength: 32, maxBinaryLength: 32, maxExtLength: 32, maxInputBytes: 256)

    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let whole = Result { () throws(MsgPackError) in try MsgPackValue(decoding: input) }
        let first = Result { () throws(MsgPackError) in try MsgPackValue.decodeFirst(from: input) }
        switch (whole, first) {
        case (.success(let value), .success(let prefix)):
            try FuzzInvariantViolation.require(prefix.value == value && prefix.consumed == input.count, "decodeFirst disagrees with a whole-buffer decode")
            try checkRoundTrip(value)
            try checkTightLimits(input, expected: value)
        case (.failure(let error), .success(let prefix)):
            try FuzzInvariantViolation.require(error.code == .trailingBytes && prefix.consumed < input.count, "whole decode failed with \(error) but decodeFirst read all of it")
            try checkRoundTrip(prefix.value)
        case (.success, .failure(let error)):
            throw FuzzInvariantViolation("whole decode succeeded but decodeFirst threw \(error)")
        case (.failure, .failure(let error)):
            let incomplete = Result { () throws(MsgPackError) in try MsgPackValue.decodeFirstIfComplete(from: input) }
            switch incomplete {
            case .success(let value):
                try FuzzInvariantViolation.require(value == nil && error.code == .truncated, "decodeFirstIfComplete returned a value where decodeFirst threw \(error)")
            case .failure(let again):
                try FuzzInvariantViolation.require(again.code == error.code && error.code != .truncated, "decodeFirstIfComplete threw \(again), decodeFirst threw \(error)")
            }
        }
        try checkCodable(input)
    }

    /// value → bytes → value must be the same value, and the size prediction exact.
    static func checkRoundTrip(_ value: MsgPackValue) throws(FuzzInvariantViolation) {
        let bytes = value.encoded()
        try FuzzInvariantViolation.require(bytes.count == value.encodedByteCount, "encodedByteCount \(value.encodedByteCount) but encoded \(bytes.count) bytes")
        do {
            let again = try MsgPackValue(decoding: bytes, limits: .unlimited)
            try FuzzInvariantViolation.require(again == value, "round trip changed \(value) into \(again)")
            try FuzzInvariantViolation.require(again.encoded() == bytes, "re-encoding is not stable")
        } catch let error as FuzzInvariantViolation {
            throw error
        } catch {
            throw FuzzInvariantViolation("re-decoding our own encoding of \(value) failed: \(error)")
        }
    }

    /// Limits only ever turn a success into `limitExceeded`/`depthExceeded`, never another answer.
    static func checkTightLimits(_ input: [UInt8], expected: MsgPackValue) throws(FuzzInvariantViolation) {
        switch Result(catching: { () throws(MsgPackError) in try MsgPackValue(decoding: input, limits: tightLimits) }) {
        case .success(let limited):
            try FuzzInvariantViolation.require(limited == expected, "tight limits changed the decoded value")
        case .failure(let error):
            try FuzzInvariantViolation.require(error.code == .limitExceeded || error.code == .depthExceeded, "tight limits gave \(error) for valid input")
        }
    }

    /// The Codable decoder throws only `MsgPackError` or `DecodingError`, and a decoded record
    /// survives encode → decode.
    static func checkCodable(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        var decoder = MsgPackDecoder()
        decoder.limits = tightLimits
        let record: FuzzRecord
        do {
            record = try decoder.decode(FuzzRecord.self, from: input)
        } catch is MsgPackError {
            return
        } catch is DecodingError {
            return
        } catch {
            throw FuzzInvariantViolation("MsgPackDecoder threw an untyped error: \(type(of: error)) \(error)")
        }
        do {
            let bytes = try MsgPackEncoder().encode(record)
            let again = try MsgPackDecoder().decode(FuzzRecord.self, from: bytes)
            try FuzzInvariantViolation.require(again.isSame(as: record), "Codable round trip changed \(record) into \(again)")
        } catch let error as FuzzInvariantViolation {
            throw error
        } catch {
            throw FuzzInvariantViolation("Codable round trip of a decoded record failed: \(error)")
        }
    }
}
