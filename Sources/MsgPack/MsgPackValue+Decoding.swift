extension MsgPackValue {
    /// Decodes exactly one value that spans all of `bytes`.
    ///
    /// Throws ``MsgPackError`` with code `trailingBytes` if bytes remain after the value,
    /// `truncated` if it ends early, and the other codes for malformed or over-limit input.
    public init(decoding bytes: [UInt8], limits: MsgPackDecodingLimits = .default) throws(MsgPackError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MsgPackError) in try Self.decode(buffer, limits: limits, wholeBuffer: true) }
        }
        self = try result.get().value
    }

    /// Decodes exactly one value that spans all of `bytes`; offsets in errors count from the
    /// slice's first byte.
    public init(decoding bytes: ArraySlice<UInt8>, limits: MsgPackDecodingLimits = .default) throws(MsgPackError) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MsgPackError) in try Self.decode(buffer, limits: limits, wholeBuffer: true) }
        }
        self = try result.get().value
    }

    /// Decodes exactly one value that spans all of `buffer`, without copying it.
    public init(decoding buffer: UnsafeRawBufferPointer, limits: MsgPackDecodingLimits = .default) throws(MsgPackError) {
        self = try Self.decode(buffer, limits: limits, wholeBuffer: true).value
    }

    /// Decodes the first value in `bytes` and reports how many bytes it took, for streams.
    ///
    /// A `truncated` error means the value is incomplete: append more bytes and call again
    /// (``decodeFirstIfComplete(from:limits:)-([UInt8],_)`` returns `nil` for that case).
    public static func decodeFirst(
        from bytes: [UInt8], limits: MsgPackDecodingLimits = .default
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MsgPackError) in try Self.decode(buffer, limits: limits, wholeBuffer: false) }
        }
        return try result.get()
    }

    /// Decodes the first value in `bytes` and reports how many bytes it took (see the
    /// `[UInt8]` overload); offsets count from the slice's first byte.
    public static func decodeFirst(
        from bytes: ArraySlice<UInt8>, limits: MsgPackDecodingLimits = .default
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int) {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(MsgPackError) in try Self.decode(buffer, limits: limits, wholeBuffer: false) }
        }
        return try result.get()
    }

    /// Decodes the first value in `buffer` and reports how many bytes it took.
    public static func decodeFirst(
        from buffer: UnsafeRawBufferPointer, limits: MsgPackDecodingLimits = .default
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int) {
        try decode(buffer, limits: limits, wholeBuffer: false)
    }

    /// Like ``decodeFirst(from:limits:)-([UInt8],_)``, but returns `nil` when `bytes` holds
    /// only part of a value, so a stream reader can wait for more:
    ///
    /// ```swift
    /// var pending: [UInt8] = []
    /// func receive(_ chunk: [UInt8]) throws -> [MsgPackValue] {
    ///     pending += chunk
    ///     var values: [MsgPackValue] = []
    ///     while let (value, consumed) = try MsgPackValue.decodeFirstIfComplete(from: pending) {
    ///         values.append(value)
    ///         pending.removeFirst(consumed)
    ///     }
    ///     return values
    /// }
    /// ```
    public static func decodeFirstIfComplete(
        from bytes: [UInt8], limits: MsgPackDecodingLimits = .default
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int)? {
        try completeOrNil { () throws(MsgPackError) in try decodeFirst(from: bytes, limits: limits) }
    }

    /// Like ``decodeFirst(from:limits:)-(ArraySlice<UInt8>,_)``, but returns `nil` when
    /// `bytes` holds only part of a value.
    public static func decodeFirstIfComplete(
        from bytes: ArraySlice<UInt8>, limits: MsgPackDecodingLimits = .default
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int)? {
        try completeOrNil { () throws(MsgPackError) in try decodeFirst(from: bytes, limits: limits) }
    }

    private static func completeOrNil(
        _ body: () throws(MsgPackError) -> (value: MsgPackValue, consumed: Int)
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int)? {
        do {
            return try body()
        } catch {
            if error.code == .truncated { return nil }
            throw error
        }
    }

    private static func decode(
        _ buffer: UnsafeRawBufferPointer, limits: MsgPackDecodingLimits, wholeBuffer: Bool
    ) throws(MsgPackError) -> (value: MsgPackValue, consumed: Int) {
        var window = buffer
        if buffer.count > limits.maxInputBytes {
            if wholeBuffer {
                throw MsgPackError(
                    code: .limitExceeded,
                    message: "input of \(buffer.count) bytes exceeds the limit of \(limits.maxInputBytes)", offset: 0)
            }
            // A stream buffer may hold several values; only the first must fit the limit.
            window = UnsafeRawBufferPointer(rebasing: buffer[0 ..< limits.maxInputBytes])
        }
        var reader = MsgPackReader(bytes: window, limits: limits)
        let value: MsgPackValue
        do {
            value = try reader.readValue()
        } catch where error.code == .truncated && window.count < buffer.count {
            throw MsgPackError(
                code: .limitExceeded,
                message: "value spans more than the limit of \(limits.maxInputBytes) bytes", offset: 0)
        }
        if wholeBuffer && reader.remaining > 0 {
            throw MsgPackError(
                code: .trailingBytes, message: "\(reader.remaining) bytes after the value", offset: reader.position)
        }
        return (value, reader.position)
    }
}
