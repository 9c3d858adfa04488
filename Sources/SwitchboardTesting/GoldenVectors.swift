public import Foundation
public import SwitchboardCore

/// A golden vector file from the repository's `Tests/Vectors` (`wslink-v2.json`,
/// `wslink-v1.json`, `crosscomm.json`, `siyi.json`): `{source, protocol, conventions, vectors: [...]}`.
///
/// ```swift
/// let file = try GoldenVectorFile.load("wslink-v2")
/// for vector in file.vectors where vector.frame == "binary" {
///     let bytes = try #require(vector.bytes)
///     // …
/// }
/// ```
public struct GoldenVectorFile: Sendable {
    /// The `source` field: where and how the vectors were captured.
    public var source: String?
    /// The `protocol` field, when present.
    public var protocolName: String?
    /// The `conventions` object explaining the fields.
    public var conventions: JSONValue
    /// The vectors in file order (which is wire order within a session).
    public var vectors: [GoldenVector]
    /// The whole document, for file-specific top-level fields such as `handshake`.
    public var root: JSONValue

    /// Parses a vector file's JSON text.
    public init(json: [UInt8]) throws {
        let root = try JSONValue(parsing: json)
        guard let entries = root["vectors"]?.arrayValue else {
            throw GoldenVectorError("vector file has no \"vectors\" array")
        }
        self.root = root
        source = root["source"]?.stringValue
        protocolName = root["protocol"]?.stringValue
        conventions = root["conventions"] ?? .null
        vectors = try entries.map(GoldenVector.init(fields:))
    }

    /// Loads `Tests/Vectors/<name>` (`.json` appended when missing).
    public static func load(_ name: String) throws -> GoldenVectorFile {
        let fileName = name.hasSuffix(".json") ? name : name + ".json"
        let url = try SwitchboardTestPaths.vectorsDirectory().appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw GoldenVectorError("cannot read \(url.path)")
        }
        return try GoldenVectorFile(json: [UInt8](data))
    }

    /// The vector called `name`, if any.
    public func vector(named name: String) -> GoldenVector? {
        vectors.first { $0.name == name }
    }
}

/// One captured frame or probe, with every field of its JSON object available.
public struct GoldenVector: Sendable, CustomStringConvertible {
    /// The vector's JSON object, all fields in file order.
    public var fields: JSONValue
    /// A unique, dotted name such as `rpc.call.add`.
    public var name: String
    /// `client->server` or `server->client`.
    public var direction: String

    /// Wraps one element of a file's `vectors` array.
    public init(fields: JSONValue) throws {
        guard let name = fields["name"]?.stringValue else { throw GoldenVectorError("vector without a name") }
        self.fields = fields
        self.name = name
        direction = fields["direction"]?.stringValue ?? ""
    }

    /// The field `key`, if present.
    public subscript(key: String) -> JSONValue? { fields[key] }

    /// The WebSocket frame type: the `frame` field, else `binary` when there is `hex`
    /// and no `text`, else `text`. Other values (`close`) come from the file as written.
    public var frame: String {
        if let frame = fields["frame"]?.stringValue { return frame }
        if fields["hex"] != nil && fields["text"] == nil { return "binary" }
        return "text"
    }

    /// The `hex` field decoded to bytes (for text frames: the UTF-8 of the text).
    public var bytes: [UInt8]? { hexField("hex") }

    /// The `text` field: the exact text of a text frame.
    public var text: String? { fields["text"]?.stringValue }

    /// The `decoded` field; `nil` when absent, ``JSONValue/null`` when the file says null.
    public var decoded: JSONValue? { fields["decoded"] }

    /// The `session` field, when the file groups vectors by capture session.
    public var session: String? { fields["session"]?.stringValue }

    /// Any hex-encoded field (such as `content_bytes_hex`) decoded to bytes.
    public func hexField(_ key: String) -> [UInt8]? {
        fields[key]?.stringValue.flatMap(GoldenVector.bytes(fromHex:))
    }

    /// Decodes a hex string (either case, no separators); `nil` if it is not valid hex.
    public static func bytes(fromHex hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Lower-case hex of `bytes`, for failure messages and Python interop.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `name (direction)`.
    public var description: String { "\(name) (\(direction))" }
}

/// A vector file that is missing or malformed.
public struct GoldenVectorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// Where the package and its golden vectors live on this machine.
public enum SwitchboardTestPaths {
    /// The package root: the nearest ancestor of this source file holding `Package.swift`.
    ///
    /// Symlinks are resolved first, so a scratch package that links these sources still
    /// finds the real checkout.
    public static func packageRoot() throws -> URL {
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        throw GoldenVectorError("no Package.swift above \(#filePath)")
    }

    /// The golden vectors: `Tests/Vectors` in the package root (the repository's own copy of
    /// the frames captured from the original implementations).
    public static func vectorsDirectory() throws -> URL {
        let vectors = try packageRoot().appendingPathComponent("Tests").appendingPathComponent("Vectors")
        guard FileManager.default.fileExists(atPath: vectors.path) else {
            throw GoldenVectorError("golden vectors not found at \(vectors.path)")
        }
        return vectors
    }
}
