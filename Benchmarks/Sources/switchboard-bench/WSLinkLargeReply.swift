import MsgPack
import NIOCore

/// What the generator checks of a large wslink reply (the 64 MiB binary row) without copying
/// its blobs: the envelope's `id` and the length of each binary value in its `result` map.
/// Decoding the whole envelope would copy every blob into a fresh array (page faults and a
/// memmove per call), which made the generator, not the server, the bound.
struct WSLinkLargeReply: Equatable {
    var id: String
    var binaryLengths: [String: Int]

    /// Walks the msgpack map `{"id": str, "result": {key: value, …}, …}` in `message`; `nil`
    /// if it is not that shape or is cut short.
    init?(_ message: ByteBuffer) {
        var skimmer = MsgPackSkimmer(message)
        guard let pairs = skimmer.mapHeader() else { return nil }
        var id: String?
        var lengths: [String: Int]?
        for _ in 0..<pairs {
            guard let key = skimmer.string() else { return nil }
            switch key {
            case "id":
                guard let value = skimmer.string() else { return nil }
                id = value
            case "result":
                guard let count = skimmer.mapHeader() else { return nil }
                var found: [String: Int] = [:]
                for _ in 0..<count {
                    guard let name = skimmer.string() else { return nil }
                    if let length = skimmer.binaryLength() {
                        found[name] = length
                        guard skimmer.skipBytes(length) else { return nil }
                    } else {
                        guard skimmer.skipValue() else { return nil }
                    }
                }
                lengths = found
            default:
                guard skimmer.skipValue() else { return nil }
            }
        }
        guard let id, let lengths, skimmer.isAtEnd else { return nil }
        self.id = id
        self.binaryLengths = lengths
    }
}

/// A forward-only msgpack reader over a buffer that reads headers and skips payloads.
private struct MsgPackSkimmer {
    private var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    var isAtEnd: Bool { buffer.readableBytes == 0 }

    mutating func mapHeader() -> Int? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        switch marker {
        case 0x80...0x8f: return Int(marker & 0x0f)
        case 0xde: return buffer.readInteger(as: UInt16.self).map(Int.init)
        case 0xdf: return buffer.readInteger(as: UInt32.self).map(Int.init)
        default: return nil
        }
    }

    mutating func string() -> String? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        let length: Int?
        switch marker {
        case 0xa0...0xbf: length = Int(marker & 0x1f)
        case 0xd9: length = buffer.readInteger(as: UInt8.self).map(Int.init)
        case 0xda: length = buffer.readInteger(as: UInt16.self).map(Int.init)
        case 0xdb: length = buffer.readInteger(as: UInt32.self).map(Int.init)
        default: return nil
        }
        return length.flatMap { buffer.readString(length: $0) }
    }

    /// The length of the binary value that follows, its header consumed; `nil` (nothing
    /// consumed) when the next value is not binary.
    mutating func binaryLength() -> Int? {
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        let width: Int
        switch marker {
        case 0xc4: width = 1
        case 0xc5: width = 2
        case 0xc6: width = 4
        default: return nil
        }
        guard let length = readLength(at: buffer.readerIndex + 1, width: width) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1 + width)
        return length
    }

    mutating func skipBytes(_ count: Int) -> Bool {
        guard buffer.readableBytes >= count else { return false }
        buffer.moveReaderIndex(forwardBy: count)
        return true
    }

    /// Skips one complete value of any type.
    mutating func skipValue() -> Bool {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return false }
        switch marker {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return true
        case 0x80...0x8f: return skipValues(2 * Int(marker & 0x0f))
        case 0x90...0x9f: return skipValues(Int(marker & 0x0f))
        case 0xa0...0xbf: return skipBytes(Int(marker & 0x1f))
        case 0xcc, 0xd0: return skipBytes(1)
        case 0xcd, 0xd1: return skipBytes(2)
        case 0xca, 0xce, 0xd2: return skipBytes(4)
        case 0xcb, 0xcf, 0xd3: return skipBytes(8)
        case 0xd4: return skipBytes(2)
        case 0xd5: return skipBytes(3)
        case 0xd6: return skipBytes(5)
        case 0xd7: return skipBytes(9)
        case 0xd8: return skipBytes(17)
        case 0xc4, 0xd9: return skipSized(width: 1)
        case 0xc5, 0xda: return skipSized(width: 2)
        case 0xc6, 0xdb: return skipSized(width: 4)
        case 0xc7: return skipSized(width: 1, extra: 1)
        case 0xc8: return skipSized(width: 2, extra: 1)
        case 0xc9: return skipSized(width: 4, extra: 1)
        case 0xdc: return buffer.readInteger(as: UInt16.self).map { skipValues(Int($0)) } ?? false
        case 0xdd: return buffer.readInteger(as: UInt32.self).map { skipValues(Int($0)) } ?? false
        case 0xde: return buffer.readInteger(as: UInt16.self).map { skipValues(2 * Int($0)) } ?? false
        case 0xdf: return buffer.readInteger(as: UInt32.self).map { skipValues(2 * Int($0)) } ?? false
        default: return false
        }
    }

    private mutating func skipValues(_ count: Int) -> Bool {
        for _ in 0..<count where !skipValue() { return false }
        return true
    }

    private mutating func skipSized(width: Int, extra: Int = 0) -> Bool {
        guard let length = readLength(at: buffer.readerIndex, width: width) else { return false }
        return skipBytes(width + extra + length)
    }

    private func readLength(at index: Int, width: Int) -> Int? {
        switch width {
        case 1: buffer.getInteger(at: index, as: UInt8.self).map(Int.init)
        case 2: buffer.getInteger(at: index, as: UInt16.self).map(Int.init)
        default: buffer.getInteger(at: index, as: UInt32.self).map(Int.init)
        }
    }
}
