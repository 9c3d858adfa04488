public import MsgPack

/// The part of a topic's publishes one subscription wants: `{"keys": [...]}` keeps only those
/// top-level keys of a dictionary result (any other result is delivered whole).
///
/// Two subscriptions with the same keys, in any order and with repeats, have equal filters:
/// the publisher encodes a publish once per distinct filter, not once per session.
///
/// ```swift
/// let filter = WSLinkTopicFilter(keys: ["frame", "width"])
/// filter.apply(to: ["frame": 3, "width": 64, "pixels": .binary(bytes)])  // ["frame": 3, "width": 64]
/// ```
public struct WSLinkTopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// Most keys one filter may name (a larger filter is refused with −32602).
    public static let maxKeys = 256

    /// The kept keys, sorted and without repeats.
    public let keys: [String]

    /// A filter keeping `keys`.
    public init(keys: some Sequence<String>) {
        self.keys = Array(Set(keys)).sorted()
    }

    /// Reads the wire form `{"keys": [strings]}`; `nil` for anything else (or more than
    /// ``maxKeys`` keys).
    public init?(_ value: MsgPackValue) {
        guard case .map(let pairs) = value, pairs.count == 1, pairs[0].key.stringValue == "keys",
              case .array(let elements) = pairs[0].value, elements.count <= Self.maxKeys else { return nil }
        var keys: [String] = []
        keys.reserveCapacity(elements.count)
        for element in elements {
            guard let key = element.stringValue else { return nil }
            keys.append(key)
        }
        self.init(keys: keys)
    }

    /// The wire form, `{"keys": [...]}`.
    public var value: MsgPackValue {
        ["keys": .array(keys.map(MsgPackValue.string))]
    }

    /// `value` with only the kept top-level keys when it is a dictionary, in the order they were
    /// published; any other value unchanged.
    public func apply(to value: MsgPackValue) -> MsgPackValue {
        guard case .map(let pairs) = value else { return value }
        let kept = Set(keys)
        return .map(pairs.filter { pair in pair.key.stringValue.map(kept.contains) ?? false })
    }

    /// An unambiguous text form (each key with its UTF-8 length), part of a session-manager group name.
    var groupKey: String {
        keys.map { "\($0.utf8.count):\($0)" }.joined()
    }

    /// `keys=[a,b]`.
    public var description: String { "keys=[\(keys.joined(separator: ","))]" }
}
