extension MsgPackValue {
    /// Hands the canonical encoding (the bytes of ``encoded()``) to `emit` in order, in pieces:
    /// headers and small values gathered in a scratch buffer, and every string, binary or ext
    /// payload of at least `directThreshold` bytes straight from the value's own storage.
    ///
    /// This is for a caller that lays the bytes out somewhere else, for example in transport
    /// chunks: a large blob is then copied once, into its final place, rather than first into
    /// one contiguous encoding of the whole value and again from there. The pointer passed to
    /// `emit` is valid only during that call.
    public func encode(
        directThreshold: Int = 4096,
        pieces emit: (UnsafeRawBufferPointer) -> Void
    ) {
        // The writer lives only inside this call, so the closure does not really escape.
        withoutActuallyEscaping(emit) { emit in
            var writer = MsgPackPieceWriter(threshold: max(directThreshold, 1), emit: emit)
            writer.write(self)
            writer.flush()
        }
    }
}

/// Walks a value like ``MsgPackWriter/write(_:into:)``, but flushes its scratch and passes large
/// payloads through instead of appending them.
private struct MsgPackPieceWriter {
    let threshold: Int
    let emit: (UnsafeRawBufferPointer) -> Void
    var scratch: [UInt8] = []

    init(threshold: Int, emit: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.threshold = threshold
        self.emit = emit
        scratch.reserveCapacity(min(threshold, 1024))
    }

    mutating func flush() {
        guard !scratch.isEmpty else { return }
        scratch.withUnsafeBytes(emit)
        scratch.removeAll(keepingCapacity: true)
    }

    mutating func write(_ value: MsgPackValue) {
        switch value {
        case .string(let string):
            let utf8 = string.utf8
            MsgPackWriter.writeHeader(utf8.count, fix: 0xa0, fixMax: 31, marker8: 0xd9, marker16: 0xda, marker32: 0xdb, into: &scratch)
            let passed = utf8.count >= threshold && utf8.withContiguousStorageIfAvailable { bytes in
                pass(UnsafeRawBufferPointer(bytes))
            } != nil
            if !passed { scratch.append(contentsOf: utf8) }
        case .binary(let bytes):
            MsgPackWriter.writeHeader(bytes.count, fix: nil, fixMax: -1, marker8: 0xc4, marker16: 0xc5, marker32: 0xc6, into: &scratch)
            if bytes.count >= threshold {
                bytes.withUnsafeBytes { pass($0) }
            } else {
                scratch.append(contentsOf: bytes)
            }
        case .ext(let type, let data):
            MsgPackWriter.writeExtHeader(type: type, count: data.count, into: &scratch)
            if data.count >= threshold {
                data.withUnsafeBytes { pass($0) }
            } else {
                scratch.append(contentsOf: data)
            }
        case .array(let values):
            MsgPackWriter.writeHeader(values.count, fix: 0x90, fixMax: 15, marker8: nil, marker16: 0xdc, marker32: 0xdd, into: &scratch)
            for element in values { write(element) }
        case .map(let pairs):
            MsgPackWriter.writeHeader(pairs.count, fix: 0x80, fixMax: 15, marker8: nil, marker16: 0xde, marker32: 0xdf, into: &scratch)
            for pair in pairs {
                write(pair.key)
                write(pair.value)
            }
        case .nil, .bool, .int, .uint, .float, .double, .timestamp:
            MsgPackWriter.write(value, into: &scratch)
        }
        if scratch.count >= threshold { flush() }
    }

    private mutating func pass(_ bytes: UnsafeRawBufferPointer) {
        flush()
        emit(bytes)
    }
}
