import MsgPack
import SwitchboardCore
import SwitchboardTesting
@testable import WSLink

/// The wslink 2.x vectors, with each complete message's chunks in arrival order.
struct V2Message: CustomStringConvertible {
    var name: String
    var session: String
    var direction: String
    var chunks: [[UInt8]]
    var decoded: MsgPackValue

    var description: String { name }
    var header: WSLinkChunkHeader { WSLinkChunkHeader(chunks[0])! }

    /// The one vector that is deliberately not an envelope (an id without a method).
    var isEnvelope: Bool { name != "probe.id_without_method" }

    static func all() throws -> [V2Message] {
        let file = try GoldenVectorFile.load("wslink-v2")
        var messages: [V2Message] = []
        for vector in file.vectors where vector.frame == "binary" {
            guard let decoded = vector.decoded, !decoded.isNull else { continue }
            let parts = vector["reassembled_from"]?.arrayValue?.compactMap(\.stringValue) ?? [vector.name]
            let chunks = try parts.map { part in
                guard let bytes = file.vector(named: part)?.bytes else { throw GoldenVectorError("no vector \(part)") }
                return bytes
            }
            messages.append(V2Message(
                name: vector.name, session: vector.session ?? "", direction: vector.direction,
                chunks: chunks, decoded: msgPackValue(fromJSON: decoded)
            ))
        }
        return messages
    }

    static func named(_ name: String) throws -> V2Message {
        guard let message = try all().first(where: { $0.name == name }) else { throw GoldenVectorError("no message \(name)") }
        return message
    }
}
