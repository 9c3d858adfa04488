import Synchronization

/// Chunk message ids for outbound 2.x messages: distinct and unguessable enough for the
/// protocol (the originals draw 4 random bytes per message), without a `getrandom` system
/// call per message, which `UInt32.random` costs on Linux (seen in the profiles,
/// Benchmarks/PROFILE.md).
///
/// A SplitMix64 sequence over an atomic counter from a random start: a bijection of the
/// counter, so 2^64 consecutive ids never repeat before truncation to 32 bits.
enum WSLinkMessageIDs {
    private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    static func next() -> UInt32 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: z ^ (z >> 31))
    }
}
