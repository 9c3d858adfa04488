/// The one decoding loop: a cursor over borrowed bytes that never copies the input except
/// into the strings, binaries and extension payloads it returns.
///
/// Every length is checked against the remaining bytes before anything is allocated, and
/// nesting is bounded by `limits.maxDepth` before recursing, so no input can trap.
struct MsgPackReader {
    private let bytes: UnsafeRawBufferPointer
    private let limits: MsgPackDecodingLimits
    private(set) var position = 0

    init(bytes: UnsafeRawBufferPointer, limits: MsgPackDecodingLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - position }

    mutating func readValue(depth: Int = 0) throws(MsgPackError) -> MsgPackValue {
        let start = position
        guard position < bytes.count else { throw Self.error(.truncated, "expected a value", at: start) }
        let marker = bytes[position]
        position += 1
        switch marker {
        case 0x00...0x7f: return .int(Int64(marker))
        case 0x80...0x8f: return try readMap(count: Int(marker & 0x0f), depth: depth, start: start)
        case 0x90...0x9f: return try readArray(count: Int(marker & 0x0f), depth: depth, start: start)
        case 0xa0...0xbf: return try readString(count: Int(marker & 0x1f), start: start)
        case 0xc0: return .nil
        case 0xc1: throw Self.error(.invalidByte, "0xc1 is never used in msgpack", at: start)
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return try readBinary(count: Int(readBigEndian(UInt8.self, start: start)), start: start)
        case 0xc5: return try readBinary(count: Int(readBigEndian(UInt16.self, start: start)), start: start)
        case 0xc6: return try readBinary(count: Int(readBigEndian(UInt32.self, start: start)), start: start)
        case 0xc7: return try readExt(count: Int(readBigEndian(UInt8.self, start: start)), start: start)
        case 0xc8: return try readExt(count: Int(readBigEndian(UInt16.self, start: start)), start: start)
        case 0xc9: return try readExt(count: Int(readBigEndian(UInt32.self, start: start)), start: start)
        case 0xca: return .float(Float(bitPattern: try readBigEndian(UInt32.self, start: start)))
        case 0xcb: return .double(Double(bitPattern: try readBigEndian(UInt64.self, start: start)))
        case 0xcc: return .int(Int64(try readBigEndian(UInt8.self, start: start)))
        case 0xcd: return .int(Int64(try readBigEndian(UInt16.self, start: start)))
        case 0xce: return .int(Int64(try readBigEndian(UInt32.self, start: start)))
        case 0xcf: return .integer(try readBigEndian(UInt64.self, start: start))
        case 0xd0: return .int(Int64(Int8(bitPattern: try readBigEndian(UInt8.self, start: start))))
        case 0xd1: return .int(Int64(Int16(bitPattern: try readBigEndian(UInt16.self, start: start))))
        case 0xd2: return .int(Int64(Int32(bitPattern: try readBigEndian(UInt32.self, start: start))))
        case 0xd3: return .int(Int64(bitPattern: try readBigEndian(UInt64.self, start: start)))
        case 0xd4: return try readExt(count: 1, start: start)
        case 0xd5: return try readExt(count: 2, start: start)
        case 0xd6: return try readExt(count: 4, start: start)
        case 0xd7: return try readExt(count: 8, start: start)
        case 0xd8: return try readExt(count: 16, start: start)
        case 0xd9: return try readString(count: Int(readBigEndian(UInt8.self, start: start)), start: start)
        case 0xda: return try readString(count: Int(readBigEndian(UInt16.self, start: start)), start: start)
        case 0xdb: return try readString(count: Int(readBigEndian(UInt32.self, start: start)), start: start)
        case 0xdc:
            return try readArray(count: Int(readBigEndian(UInt16.self, start: start)), depth: depth, start: start)
        case 0xdd:
            return try readArray(count: Int(readBigEndian(UInt32.self, start: start)), depth: depth, start: start)
        case 0xde:
            return try readMap(count: Int(readBigEndian(UInt16.self, start: start)), depth: depth, start: start)
        case 0xdf:
            return try readMap(count: Int(readBigEndian(UInt32.self, start: start)), depth: depth, start: start)
        default: return .int(Int64(Int8(bitPattern: marker)))
        }
    }

    private mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, start: Int) throws(MsgPackError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw Self.error(.truncated, "needs \(size) more bytes, \(remaining) left", at: start)
        }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(bigEndian: value)
    }

    /// Checks presence before the limit so a short buffer reads as "truncated", which a
    /// stream consumer treats as "wait for more".
    private func check(_ count: Int, extra: Int = 0, limit: Int, what: String, start: Int) throws(MsgPackError) {
        guard remaining - extra >= count else {
            throw Self.error(.truncated, "\(what) of \(count) bytes, \(remaining) left", at: start)
        }
        guard count <= limit else {
            throw Self.error(.limitExceeded, "\(what) of \(count) bytes exceeds the limit of \(limit)", at: start)
        }
    }

    private mutating func readString(count: Int, start: Int) throws(MsgPackError) -> MsgPackValue {
        try check(count, limit: limits.maxStringLength, what: "string", start: start)
        guard count > 0 else { return .string("") }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
        let string = raw.withMemoryRebound(to: UInt8.self) { Self.validatedString($0) }
        guard let string else { throw Self.error(.invalidUTF8, "string is not valid UTF-8", at: start) }
        position += count
        return .string(string)
    }

    /// `String(validating:as:)` runs unspecialized (generic metadata lookups on every call);
    /// keys and ids are ASCII, which `String(decoding:as:)` takes as is, so only other text
    /// pays for the generic validation.
    private static func validatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        if high < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    private mutating func readBinary(count: Int, start: Int) throws(MsgPackError) -> MsgPackValue {
        try check(count, limit: limits.maxBinaryLength, what: "binary", start: start)
        return .binary(take(count))
    }

    private mutating func readExt(count: Int, start: Int) throws(MsgPackError) -> MsgPackValue {
        try check(count, extra: 1, limit: limits.maxExtLength, what: "extension", start: start)
        let type = Int8(bitPattern: bytes[position])
        position += 1
        if type == MsgPackValue.timestampExtType, let timestamp = readTimestamp(count: count) {
            return timestamp
        }
        return .ext(type: type, data: take(count))
    }

    /// Falls back to a raw `.ext` (returning nil) for lengths or nanoseconds that are not a
    /// valid timestamp, so such input still round-trips byte for byte.
    private mutating func readTimestamp(count: Int) -> MsgPackValue? {
        let value: MsgPackValue
        switch count {
        case 4:
            let seconds = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            value = .timestamp(seconds: Int64(seconds), nanoseconds: 0)
        case 8:
            let data64 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let nanoseconds = UInt32(data64 >> 34)
            guard nanoseconds < 1_000_000_000 else { return nil }
            value = .timestamp(seconds: Int64(data64 & 0x3_ffff_ffff), nanoseconds: nanoseconds)
        case 12:
            let nanoseconds = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            let seconds = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: position + 4, as: Int64.self))
            guard nanoseconds < 1_000_000_000 else { return nil }
            value = .timestamp(seconds: seconds, nanoseconds: nanoseconds)
        default:
            return nil
        }
        position += count
        return value
    }

    private mutating func take(_ count: Int) -> [UInt8] {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
        position += count
        return [UInt8](slice)
    }

    private func enter(depth: Int, start: Int) throws(MsgPackError) {
        guard depth < limits.maxDepth else {
            throw Self.error(.depthExceeded, "nesting deeper than \(limits.maxDepth)", at: start)
        }
    }

    /// Every element needs at least one byte, so a count above the remaining bytes can never
    /// be satisfied; rejecting it here bounds `reserveCapacity` by the input size.
    private func checkCount(_ count: Int, bytesPerItem: Int, start: Int) throws(MsgPackError) {
        guard remaining / bytesPerItem >= count else {
            throw Self.error(.truncated, "container of \(count) items, \(remaining) bytes left", at: start)
        }
        guard count <= limits.maxContainerCount else {
            throw Self.error(
                .limitExceeded, "container of \(count) items exceeds the limit of \(limits.maxContainerCount)",
                at: start)
        }
    }

    private mutating func readArray(count: Int, depth: Int, start: Int) throws(MsgPackError) -> MsgPackValue {
        try enter(depth: depth, start: start)
        try checkCount(count, bytesPerItem: 1, start: start)
        var elements: [MsgPackValue] = []
        elements.reserveCapacity(count)
        for _ in 0 ..< count {
            elements.append(try readValue(depth: depth + 1))
        }
        return .array(elements)
    }

    private mutating func readMap(count: Int, depth: Int, start: Int) throws(MsgPackError) -> MsgPackValue {
        try enter(depth: depth, start: start)
        try checkCount(count, bytesPerItem: 2, start: start)
        var pairs: [(key: MsgPackValue, value: MsgPackValue)] = []
        pairs.reserveCapacity(count)
        for _ in 0 ..< count {
            let key = try readValue(depth: depth + 1)
            let value = try readValue(depth: depth + 1)
            pairs.append((key: key, value: value))
        }
        return .map(pairs)
    }

    static func error(_ code: MsgPackError.Code, _ message: String, at offset: Int) -> MsgPackError {
        MsgPackError(code: code, message: message, offset: offset)
    }
}
