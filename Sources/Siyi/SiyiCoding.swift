import Foundation
import SwitchboardCore

/// Converts between `Codable` values and ``JSONValue`` for the typed helpers, through
/// Foundation's JSON coders (the wire itself never goes through Foundation).
enum SiyiCoding {
    static func json<Value: Encodable>(from value: Value) throws(SiyiError) -> JSONValue {
        do {
            return try JSONValue(parsing: Array(JSONEncoder().encode(value)))
        } catch {
            throw SiyiError(code: .decodingFailed, message: "cannot encode \(Value.self) as JSON", cause: error)
        }
    }

    static func value<Value: Decodable>(_ type: Value.Type, from json: JSONValue) throws(SiyiError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(json.encodedBytes(.compact)))
        } catch {
            throw SiyiError(code: .decodingFailed, message: "cannot decode \(Value.self) from \(json.encoded(.compact).prefix(200))", cause: error)
        }
    }

    /// `params` and event `data` must be an object or null on the wire.
    static func requireObjectOrNull(_ value: JSONValue, _ what: String) throws(SiyiError) {
        guard value.isNull || value.objectValue != nil else {
            throw SiyiError(code: .invalidArgument, message: "\(what) must be a JSON object or null")
        }
    }
}
