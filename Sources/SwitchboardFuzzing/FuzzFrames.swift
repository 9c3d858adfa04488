/// Splits one fuzz input into a sequence of WebSocket-level messages, so stateful targets
/// (reassembly, attachments, login order) see several frames per run.
///
/// Layout, repeated: one flags byte (bit 0: text instead of binary), a 16-bit big-endian
/// length, then that many bytes; a length running past the end takes what is left. The
/// seed generator in `scripts/fuzz.sh` writes the same layout.
struct FuzzFrames: Sequence, IteratorProtocol {
    private let input: [UInt8]
    private var position = 0

    init(_ input: [UInt8]) {
        self.input = input
    }

    /// One message and whether the flags byte asked for text.
    mutating func next() -> (isText: Bool, bytes: ArraySlice<UInt8>)? {
        guard position < input.count else { return nil }
        let flags = input[position]
        position += 1
        var length = 0
        for _ in 0 ..< 2 where position < input.count {
            length = length << 8 | Int(input[position])
            position += 1
        }
        let end = Swift.min(input.count, position + length)
        defer { position = end }
        return (flags & 1 == 1, input[position ..< end])
    }
}
