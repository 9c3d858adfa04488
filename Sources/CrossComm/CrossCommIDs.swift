import Foundation

/// Ids in pywayne's formats. Receivers treat every id as an opaque string; these only make
/// Switchboard's ids look familiar in logs next to pywayne's.
public enum CrossCommIDs {
    /// `{sender}_{epoch ms}_{8 hex digits}`, like pywayne's `msg_id`.
    public static func messageID(sender: String, at timestamp: Double) -> String {
        "\(sender)_\(Int64((timestamp * 1000).rounded(.down)))_\(hex(8))"
    }

    /// `{12 hex digits}_{8 hex digits}`: the shape of pywayne's default client id
    /// (MAC address + uuid prefix), with a random node part instead of the MAC.
    public static func defaultClientID() -> String {
        "\(hex(12))_\(hex(8))"
    }

    /// A random uuid4 string, as pywayne uses for `list_clients_response` ids.
    public static func uuid() -> String {
        UUID().uuidString.lowercased()
    }

    /// `count` random lowercase hex digits.
    public static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(generator.next() % 16)] })
    }
}
