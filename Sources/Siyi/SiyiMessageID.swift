import Foundation

/// The `id` of a siyi message: a string, normally a lowercase canonical UUID.
///
/// Decoding follows the original (pydantic `UUID | str`): a string that parses as a UUID
/// (any case, with or without dashes, in `{…}` braces or as `urn:uuid:…`) becomes its
/// lowercase canonical 8-4-4-4-12 form, so `"5FA41F03-…"` and `"5fa41f03-…"` are the same id
/// and replies carry the lowercase form; any other string is kept verbatim.
///
/// ```swift
/// let id = SiyiMessageID("333725FA-410C-4075-B822-34F07E69C84A")
/// id.rawValue            // "333725fa-410c-4075-b822-34f07e69c84a"
/// SiyiMessageID.random() // a fresh lowercase uuid4
/// ```
public struct SiyiMessageID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id as it goes on the wire (normalized when UUID-shaped).
    public let rawValue: String

    /// Wraps a wire id, normalizing UUID-shaped strings to lowercase canonical form.
    public init(_ string: String) {
        rawValue = Self.canonicalUUID(string) ?? string
    }

    /// Wraps a literal id (normalized like ``init(_:)``).
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// A fresh random id: a lowercase uuid4, as the original generates.
    public static func random() -> SiyiMessageID {
        SiyiMessageID(verbatim: UUID().uuidString.lowercased())
    }

    private init(verbatim: String) {
        rawValue = verbatim
    }

    /// The id text.
    public var description: String { rawValue }

    /// The lowercase 8-4-4-4-12 form of `string` if it spells a UUID in one of the forms
    /// Python's UUID parsers take (32 hex digits, optionally dashed in the canonical places,
    /// braced, or `urn:uuid:`-prefixed), else `nil`.
    static func canonicalUUID(_ string: String) -> String? {
        var body = Substring(string)
        if body.count > 9, body.prefix(9).lowercased() == "urn:uuid:" {
            body = body.dropFirst(9)
        } else if body.first == "{", body.last == "}" {
            body = body.dropFirst().dropLast()
        }
        let characters = Array(body.utf8)
        let hex: [UInt8]
        switch characters.count {
        case 32:
            hex = characters
        case 36:
            for dash in [8, 13, 18, 23] where characters[dash] != UInt8(ascii: "-") { return nil }
            hex = characters.enumerated().filter { ![8, 13, 18, 23].contains($0.offset) }.map(\.element)
        default:
            return nil
        }
        var lowered: [UInt8] = []
        lowered.reserveCapacity(36)
        for (index, byte) in hex.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): lowered.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): lowered.append(byte + 32)
            default: return nil
            }
            if [7, 11, 15, 19].contains(index) { lowered.append(UInt8(ascii: "-")) }
        }
        return String(decoding: lowered, as: UTF8.self)
    }
}
