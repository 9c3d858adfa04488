import CrossComm
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("CrossComm wire: golden vectors")
struct CrossCommMessageTests {
    static let file = try! GoldenVectorFile.load("crosscomm")

    static let invalid: [String: CrossCommError.Code] = [
        "invalid.not_json": .invalidJSON,
        "invalid.unknown_msg_type": .unknownMessageType,
        "invalid.extra_key": .unknownField,
        "invalid.missing_timestamp": .missingField,
    ]

    static var dataFrames: [GoldenVector] { file.vectors.filter { $0.frame != "close" } }

    @Test("every data frame decodes, or fails with the documented code", arguments: dataFrames.map(\.name))
    func decodes(name: String) throws {
        let vector = try #require(Self.file.vector(named: name))
        let frame: Frame = if let bytes = vector.bytes { .binary(bytes) } else { .text(try #require(vector.text)) }
        if let expected = Self.invalid[name] {
            #expect(throws: CrossCommError.self) { try CrossCommMessage(decoding: frame) }
            do { _ = try CrossCommMessage(decoding: frame) } catch { #expect(error.code == expected) }
            return
        }
        let message = try CrossCommMessage(decoding: frame)
        let decoded = try #require(vector.decoded ?? (try? JSONValue(parsing: vector["text_of_bytes"]?.stringValue ?? "")))
        #expect(message.id == decoded["msg_id"]?.stringValue)
        #expect(message.from == decoded["from_client_id"]?.stringValue)
        #expect(message.to == decoded["to_client_id"]?.stringValue)
        #expect(message.type.rawValue == decoded["msg_type"]?.stringValue)
        #expect(message.content == decoded["content"])
        #expect(message.timestamp == decoded["timestamp"]?.doubleValue)
        #expect(message.ossKey == decoded["oss_key"]?.stringValue)
    }

    /// pywayne writes every frame with the same `json.dumps(asdict(message))`, so re-encoding any
    /// frame it produced (client or server) must give the same bytes.
    @Test("every pywayne-produced frame re-encodes byte for byte", arguments: dataFrames.filter { $0["producer"]?.stringValue?.hasPrefix("pywayne") == true }.map(\.name))
    func reencodes(name: String) throws {
        let vector = try #require(Self.file.vector(named: name))
        let text = try #require(vector.text)
        #expect(try CrossCommMessage(decoding: .text(text)).encoded == text)
    }

    @Test("a binary frame is forwarded as the text pywayne sends")
    func binaryForwardedAsText() throws {
        let input = try #require(Self.file.vector(named: "binary_frame")?.bytes)
        let forwarded = try #require(Self.file.vector(named: "binary_frame.forwarded_as_text")?.text)
        #expect(try CrossCommMessage(decoding: .binary(input)).frame == .text(forwarded))
    }

    @Test("login without oss_key is accepted and re-encoded with oss_key null")
    func missingOssKey() throws {
        let text = try #require(Self.file.vector(named: "login.without_oss_key")?.text)
        let message = try CrossCommMessage(decoding: .text(text))
        #expect(message.ossKey == nil)
        #expect(message.encoded == String(text.dropLast()) + ", \"oss_key\": null}")
    }

    @Test("bytes content decodes to the captured bytes")
    func bytesContent() throws {
        let vector = try #require(Self.file.vector(named: "bytes"))
        let message = try CrossCommMessage(decoding: .text(try #require(vector.text)))
        #expect(message.bytes == vector.hexField("content_bytes_hex"))
    }

    @Test("wrong field types are refused with invalidFieldType", arguments: [
        #"{"msg_id": 1, "from_client_id": "a", "to_client_id": "b", "msg_type": "text", "content": "x", "timestamp": 1.0}"#,
        #"{"msg_id": "m", "from_client_id": "a", "to_client_id": "b", "msg_type": "text", "content": "x", "timestamp": "1.0"}"#,
        #"{"msg_id": "m", "from_client_id": "a", "to_client_id": "b", "msg_type": "text", "content": "x", "timestamp": 1.0, "oss_key": 5}"#,
        #"{"msg_id": "m", "from_client_id": null, "to_client_id": "b", "msg_type": "text", "content": "x", "timestamp": 1.0}"#,
        #"{"msg_id": "m", "from_client_id": "a", "to_client_id": "b", "msg_type": "text", "content": "x", "timestamp": NaN}"#,
    ])
    func wrongTypes(text: String) {
        do {
            _ = try CrossCommMessage(decoding: .text(text))
            Issue.record("decoded \(text)")
        } catch {
            #expect(error.code == .invalidFieldType)
        }
    }

    @Test("a JSON array is not a message")
    func array() {
        do {
            _ = try CrossCommMessage(decoding: .text("[1, 2]"))
            Issue.record("decoded an array")
        } catch {
            #expect(error.code == .notAnObject)
        }
    }

    @Test("a message over the limit is refused before parsing")
    func tooLarge() {
        let text = String(repeating: "x", count: CrossCommMessage.maxMessageBytes + 1)
        do {
            _ = try CrossCommMessage(decoding: .text(text))
            Issue.record("decoded an oversized message")
        } catch {
            #expect(error.code == .messageTooLarge)
        }
    }

    @Test("non-ASCII text is escaped like ensure_ascii, astral characters as surrogate pairs")
    func escaping() {
        let message = CrossCommMessage(type: .text, content: .string("你好 😀"), from: "a", to: "all", id: "m", timestamp: 1.5)
        #expect(message.encoded == #"{"msg_id": "m", "from_client_id": "a", "to_client_id": "all", "msg_type": "text", "content": "\u4f60\u597d \ud83d\ude00", "timestamp": 1.5, "oss_key": null}"#)
    }

    @Test("ids have pywayne's shapes")
    func ids() {
        let id = CrossCommIDs.messageID(sender: "alice", at: 1795306411.758317)
        #expect(id.hasPrefix("alice_1795306411758_"))
        #expect(id.count == "alice_1795306411758_".count + 8)
        #expect(CrossCommIDs.defaultClientID().split(separator: "_").map(\.count) == [12, 8])
        #expect(CrossCommFileKeys.fileKey(client: "alice", fileName: "/tmp/a.txt", at: 1700000000).hasPrefix("cross_comm/alice/1700000000000_"))
        #expect(CrossCommFileKeys.fileKey(client: "alice", fileName: "/tmp/a.txt", at: 1700000000).hasSuffix(".txt"))
        #expect(CrossCommFileKeys.folderPrefix(client: "alice", at: 1700000000).hasSuffix("_folder/"))
    }
}
