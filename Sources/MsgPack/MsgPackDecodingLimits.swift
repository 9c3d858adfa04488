/// Bounds the decoder enforces so hostile input cannot exhaust memory or stack.
///
/// Lengths are always checked against the bytes actually present first (a `str 32` claiming
/// 4 GiB in a 10-byte buffer is ``MsgPackError/Code/truncated`` and allocates nothing), so
/// these limits matter for large inputs that really are there.
public struct MsgPackDecodingLimits: Sendable, Hashable {
    /// Maximum container nesting (a top-level array is depth 1). Decoding recurses once per
    /// level, as do comparing, encoding and releasing the resulting value, so keep this modest.
    public var maxDepth: Int
    /// Maximum element count of one array, or pair count of one map.
    public var maxContainerCount: Int
    /// Maximum byte length of one string.
    public var maxStringLength: Int
    /// Maximum byte length of one binary value.
    public var maxBinaryLength: Int
    /// Maximum data length of one extension value.
    public var maxExtLength: Int
    /// Maximum number of bytes one top-level value may span.
    public var maxInputBytes: Int

    /// Creates limits; every argument defaults to the ``default`` value.
    public init(
        maxDepth: Int = 512,
        maxContainerCount: Int = 1 << 24,
        maxStringLength: Int = 64 << 20,
        maxBinaryLength: Int = 1 << 30,
        maxExtLength: Int = 64 << 20,
        maxInputBytes: Int = .max
    ) {
        self.maxDepth = maxDepth
        self.maxContainerCount = maxContainerCount
        self.maxStringLength = maxStringLength
        self.maxBinaryLength = maxBinaryLength
        self.maxExtLength = maxExtLength
        self.maxInputBytes = maxInputBytes
    }

    /// Generous defaults: depth 512, 16 Mi elements per container, 64 MiB strings and
    /// extensions, 1 GiB binaries, no input-size cap (transports bound their frames).
    public static let `default` = MsgPackDecodingLimits()

    /// No size or count limits. Depth stays at 512: deeper values risk overflowing the stack
    /// wherever they are later walked, not only in the decoder.
    public static let unlimited = MsgPackDecodingLimits(
        maxDepth: 512,
        maxContainerCount: .max,
        maxStringLength: .max,
        maxBinaryLength: .max,
        maxExtLength: .max,
        maxInputBytes: .max
    )
}
