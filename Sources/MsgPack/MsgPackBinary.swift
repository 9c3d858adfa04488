/// Bytes that must travel as msgpack `bin` (Python `bytes`), for use in `Codable` types.
///
/// `[UInt8]` fields already encode as `bin` with ``MsgPackEncoder``; this wrapper says so
/// explicitly and also works as a map key or inside generic containers.
///
/// ```swift
/// struct Frame: Codable { var image: MsgPackBinary }
/// ```
public struct MsgPackBinary: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Decodes from msgpack `bin` (or, via other decoders, an array of byte values).
    public init(from decoder: any Decoder) throws {
        bytes = try decoder.singleValueContainer().decode([UInt8].self)
    }

    /// Encodes as msgpack `bin` (or, via other encoders, an array of byte values).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }

    /// `bin(<count> bytes)`.
    public var description: String { "bin(\(bytes.count) bytes)" }
}
