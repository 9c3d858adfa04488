extension MsgPackValue {
    /// The canonical msgpack encoding: smallest forms, map pairs in order, byte-identical to
    /// Python `msgpack.packb` (1.x, `use_bin_type=True`) for the same value.
    ///
    /// Lengths and counts above `UInt32.max` cannot be expressed in msgpack and trap.
    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(encodedByteCount)
        MsgPackWriter.write(self, into: &buffer)
        return buffer
    }

    /// Appends the canonical encoding to `buffer` (for example after a frame header).
    public func encode(into buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + encodedByteCount)
        MsgPackWriter.write(self, into: &buffer)
    }

    /// The exact number of bytes ``encoded()`` produces.
    public var encodedByteCount: Int {
        switch self {
        case .nil, .bool: return 1
        case .int(let value):
            if value >= 0 { return MsgPackWriter.unsignedSize(UInt64(value)) }
            if value >= -32 { return 1 }
            if value >= Int64(Int8.min) { return 2 }
            if value >= Int64(Int16.min) { return 3 }
            if value >= Int64(Int32.min) { return 5 }
            return 9
        case .uint(let value): return MsgPackWriter.unsignedSize(value)
        case .float: return 5
        case .double: return 9
        case .string(let value):
            let count = value.utf8.count
            return MsgPackWriter.headerSize(count, fix: 31, has8: true) + count
        case .binary(let bytes): return MsgPackWriter.headerSize(bytes.count, fix: -1, has8: true) + bytes.count
        case .array(let values):
            var total = MsgPackWriter.headerSize(values.count, fix: 15, has8: false)
            for element in values { total += element.encodedByteCount }
            return total
        case .map(let pairs):
            var total = MsgPackWriter.headerSize(pairs.count, fix: 15, has8: false)
            for pair in pairs { total += pair.key.encodedByteCount + pair.value.encodedByteCount }
            return total
        case .ext(_, let data): return MsgPackWriter.extHeaderSize(data.count) + data.count
        case .timestamp(let seconds, let nanoseconds):
            let dataCount = MsgPackWriter.timestampDataCount(seconds: seconds, nanoseconds: nanoseconds)
            return dataCount == 12 ? 15 : 2 + dataCount
        }
    }
}

/// The low-level append routines behind ``MsgPackValue/encoded()``.
enum MsgPackWriter {
    static func write(_ value: MsgPackValue, into buffer: inout [UInt8]) {
        switch value {
        case .nil: buffer.append(0xc0)
        case .bool(let flag): buffer.append(flag ? 0xc3 : 0xc2)
        case .int(let integer): writeInt(integer, into: &buffer)
        case .uint(let integer): writeUnsigned(integer, into: &buffer)
        case .float(let number):
            buffer.append(0xca)
            appendBigEndian(number.bitPattern, into: &buffer)
        case .double(let number):
            buffer.append(0xcb)
            appendBigEndian(number.bitPattern, into: &buffer)
        case .string(let string):
            let utf8 = string.utf8
            writeHeader(utf8.count, fix: 0xa0, fixMax: 31, marker8: 0xd9, marker16: 0xda, marker32: 0xdb, into: &buffer)
            buffer.append(contentsOf: utf8)
        case .binary(let bytes):
            writeHeader(bytes.count, fix: nil, fixMax: -1, marker8: 0xc4, marker16: 0xc5, marker32: 0xc6, into: &buffer)
            buffer.append(contentsOf: bytes)
        case .array(let values):
            writeHeader(values.count, fix: 0x90, fixMax: 15, marker8: nil, marker16: 0xdc, marker32: 0xdd, into: &buffer)
            for element in values { write(element, into: &buffer) }
        case .map(let pairs):
            writeHeader(pairs.count, fix: 0x80, fixMax: 15, marker8: nil, marker16: 0xde, marker32: 0xdf, into: &buffer)
            for pair in pairs {
                write(pair.key, into: &buffer)
                write(pair.value, into: &buffer)
            }
        case .ext(let type, let data):
            writeExtHeader(type: type, count: data.count, into: &buffer)
            buffer.append(contentsOf: data)
        case .timestamp(let seconds, let nanoseconds):
            writeTimestamp(seconds: seconds, nanoseconds: nanoseconds, into: &buffer)
        }
    }

    /// Non-negative values always take the unsigned forms, as Python's packer does.
    static func writeInt(_ value: Int64, into buffer: inout [UInt8]) {
        if value >= 0 {
            writeUnsigned(UInt64(value), into: &buffer)
        } else if value >= -32 {
            buffer.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int8.min) {
            buffer.append(0xd0)
            buffer.append(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int16.min) {
            buffer.append(0xd1)
            appendBigEndian(UInt16(truncatingIfNeeded: value), into: &buffer)
        } else if value >= Int64(Int32.min) {
            buffer.append(0xd2)
            appendBigEndian(UInt32(truncatingIfNeeded: value), into: &buffer)
        } else {
            buffer.append(0xd3)
            appendBigEndian(UInt64(bitPattern: value), into: &buffer)
        }
    }

    static func writeUnsigned(_ value: UInt64, into buffer: inout [UInt8]) {
        if value <= 0x7f {
            buffer.append(UInt8(value))
        } else if value <= 0xff {
            buffer.append(0xcc)
            buffer.append(UInt8(value))
        } else if value <= 0xffff {
            buffer.append(0xcd)
            appendBigEndian(UInt16(value), into: &buffer)
        } else if value <= 0xffff_ffff {
            buffer.append(0xce)
            appendBigEndian(UInt32(value), into: &buffer)
        } else {
            buffer.append(0xcf)
            appendBigEndian(value, into: &buffer)
        }
    }

    static func unsignedSize(_ value: UInt64) -> Int {
        if value <= 0x7f { return 1 }
        if value <= 0xff { return 2 }
        if value <= 0xffff { return 3 }
        if value <= 0xffff_ffff { return 5 }
        return 9
    }

    /// Header size of a str/bin/array/map; `fix` is the largest fix-form count (−1: none).
    static func headerSize(_ count: Int, fix: Int, has8: Bool) -> Int {
        if count <= fix { return 1 }
        if has8 && count <= 0xff { return 2 }
        if count <= 0xffff { return 3 }
        return 5
    }

    static func writeHeader(
        _ count: Int, fix: UInt8?, fixMax: Int, marker8: UInt8?, marker16: UInt8, marker32: UInt8,
        into buffer: inout [UInt8]
    ) {
        if let fix, count <= fixMax {
            buffer.append(fix | UInt8(count))
        } else if let marker8, count <= 0xff {
            buffer.append(marker8)
            buffer.append(UInt8(count))
        } else if count <= 0xffff {
            buffer.append(marker16)
            appendBigEndian(UInt16(count), into: &buffer)
        } else {
            precondition(count <= 0xffff_ffff, "msgpack cannot express a length of \(count)")
            buffer.append(marker32)
            appendBigEndian(UInt32(count), into: &buffer)
        }
    }

    static func extHeaderSize(_ count: Int) -> Int {
        switch count {
        case 1, 2, 4, 8, 16: return 2
        case ...0xff: return 3
        case ...0xffff: return 4
        default: return 6
        }
    }

    static func writeExtHeader(type: Int8, count: Int, into buffer: inout [UInt8]) {
        switch count {
        case 1: buffer.append(0xd4)
        case 2: buffer.append(0xd5)
        case 4: buffer.append(0xd6)
        case 8: buffer.append(0xd7)
        case 16: buffer.append(0xd8)
        case ...0xff:
            buffer.append(0xc7)
            buffer.append(UInt8(count))
        case ...0xffff:
            buffer.append(0xc8)
            appendBigEndian(UInt16(count), into: &buffer)
        default:
            precondition(count <= 0xffff_ffff, "msgpack cannot express an ext length of \(count)")
            buffer.append(0xc9)
            appendBigEndian(UInt32(count), into: &buffer)
        }
        buffer.append(UInt8(bitPattern: type))
    }

    /// Mirrors msgpack's `Timestamp.to_bytes`: 32-bit when it fits, 64-bit while seconds fit
    /// in 34 unsigned bits, else 96-bit (which is also where negative seconds land).
    static func timestampDataCount(seconds: Int64, nanoseconds: UInt32) -> Int {
        guard seconds >> 34 == 0 else { return 12 }
        let data64 = UInt64(nanoseconds) << 34 | UInt64(seconds)
        return data64 & 0xffff_ffff_0000_0000 == 0 ? 4 : 8
    }

    static func writeTimestamp(seconds: Int64, nanoseconds: UInt32, into buffer: inout [UInt8]) {
        switch timestampDataCount(seconds: seconds, nanoseconds: nanoseconds) {
        case 4:
            buffer.append(0xd6)
            buffer.append(0xff)
            appendBigEndian(UInt32(seconds), into: &buffer)
        case 8:
            buffer.append(0xd7)
            buffer.append(0xff)
            appendBigEndian(UInt64(nanoseconds) << 34 | UInt64(seconds), into: &buffer)
        default:
            buffer.append(0xc7)
            buffer.append(12)
            buffer.append(0xff)
            appendBigEndian(nanoseconds, into: &buffer)
            appendBigEndian(UInt64(bitPattern: seconds), into: &buffer)
        }
    }

    @inline(__always)
    static func appendBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T, into buffer: inout [UInt8]) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            buffer.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
}
