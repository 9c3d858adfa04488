import SwitchboardCore
import MsgPack
import SwitchboardTesting

/// SplitMix64: tiny, seedable, and identical on every platform, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Random values Python can round-trip unchanged: no float32 (Python widens it to
/// float64), ext types 0...127 (Python's ExtType rejects negative codes), valid timestamps,
/// and unique string/integer map keys (Python dicts merge equal keys).
struct RandomValues {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    private static let lengths = [0, 1, 5, 15, 16, 31, 32, 100, 255, 256, 1000, 65535, 65536]
    private static let scalars: [Unicode.Scalar] = [
        "a", "z", "0", " ", "\"", "\\", "\n", "\u{0}", "\u{7f}", "é", "ß", "Ж", "א", "中", "\u{feff}", "😀", "💩", "\u{10ffff}",
    ]
    private static let integerRanges: [ClosedRange<Int64>] = [
        0 ... 127, 128 ... 255, 256 ... 65535, 65536 ... 4_294_967_295, 4_294_967_296 ... .max,
        -32 ... -1, -128 ... -33, -32768 ... -129, -2_147_483_648 ... -32769, .min ... -2_147_483_649,
    ]

    mutating func length(big: Bool) -> Int {
        let choices = big ? Self.lengths : Array(Self.lengths.prefix(9))
        return choices.randomElement(using: &rng)!
    }

    mutating func string(big: Bool) -> String {
        var string = String.UnicodeScalarView()
        for _ in 0 ..< length(big: big) { string.append(Self.scalars.randomElement(using: &rng)!) }
        return String(string)
    }

    mutating func byteArray(_ count: Int) -> [UInt8] {
        (0 ..< count).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
    }

    mutating func scalar(big: Bool) -> MsgPackValue {
        switch Int.random(in: 0 ..< 10, using: &rng) {
        case 0: return [MsgPackValue.nil, true, false].randomElement(using: &rng)!
        case 1, 2:
            let range = Self.integerRanges.randomElement(using: &rng)!
            return .int([range.lowerBound, range.upperBound, Int64.random(in: range, using: &rng)].randomElement(using: &rng)!)
        case 3: return .uint(UInt64.random(in: UInt64(Int64.max) + 1 ... .max, using: &rng))
        case 4:
            var double: Double
            repeat { double = Double(bitPattern: rng.next()) } while !double.isFinite
            return .double([double, 0, -0.0, 1.5, .infinity, -.infinity].randomElement(using: &rng)!)
        case 5: return .string(string(big: big))
        case 6: return .binary(byteArray(length(big: big)))
        case 7:
            let count = [0, 1, 2, 3, 4, 8, 16, 17, 255, 256, big ? 70000 : 300].randomElement(using: &rng)!
            return .ext(type: Int8.random(in: 0 ... 127, using: &rng), data: byteArray(count))
        case 8:
            let seconds: Int64 = [0, 1, 4_294_967_295, 4_294_967_296, (1 << 34) - 1, 1 << 34, -1, .max, .min,
                                  Int64.random(in: .min ... .max, using: &rng)].randomElement(using: &rng)!
            let nanos: UInt32 = [0, 1, 999_999_999, UInt32.random(in: 0 ..< 1_000_000_000, using: &rng)]
                .randomElement(using: &rng)!
            return .timestamp(seconds: seconds, nanoseconds: nanos)
        default: return .string(string(big: false))
        }
    }

    mutating func value(depth: Int = 0) -> MsgPackValue {
        let kind = Int.random(in: 0 ..< 10, using: &rng)
        let sizes = depth == 0 ? [0, 1, 3, 15, 16, 20] : [0, 1, 2, 3]
        if depth < 4 && kind < 2 {
            return .array((0 ..< sizes.randomElement(using: &rng)!).map { _ in value(depth: depth + 1) })
        }
        if depth < 4 && kind < 4 {
            var pairs: [(key: MsgPackValue, value: MsgPackValue)] = []
            var used: Set<MsgPackValue> = []
            for _ in 0 ..< sizes.randomElement(using: &rng)! {
                let key: MsgPackValue = Bool.random(using: &rng)
                    ? .string(string(big: false)) : .int(Int64.random(in: .min ... .max, using: &rng))
                guard used.insert(key).inserted else { continue }
                pairs.append((key: key, value: value(depth: depth + 1)))
            }
            return .map(pairs)
        }
        return scalar(big: depth == 0)
    }
}
