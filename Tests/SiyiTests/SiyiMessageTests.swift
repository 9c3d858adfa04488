import Siyi
import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite("siyi wire codec against the captured vectors")
struct SiyiMessageTests {
    static let file = try! GoldenVectorFile.load("siyi")

    /// Every frame vector (text or binary), with the expected outcome of decoding it.
    static var frameVectors: [GoldenVector] {
        file.vectors.filter { $0.frame != "close" }
    }

    static func payload(_ vector: GoldenVector) -> [UInt8] {
        vector.bytes ?? Array((vector.text ?? "").utf8)
    }

    @Test("every frame vector decodes as the original decided (accepted or rejected)", arguments: frameVectors.map(\.name))
    func decodesEveryVector(_ name: String) throws {
        let vector = try #require(Self.file.vector(named: name))
        let rejected = name.hasPrefix("invalid.")
        let result = Result { () throws(SiyiDecodingError) in try SiyiMessage(decoding: Self.payload(vector)) }
        switch result {
        case .success(let message):
            #expect(!rejected, "\(name) must be rejected")
            let decoded = try JSONValue(parsing: Self.payload(vector))
            #expect(message.json["type"] == decoded["type"])
            if let id = decoded["id"]?.stringValue {
                #expect(message.id == SiyiMessageID(id))
            }
        case .failure(let error):
            #expect(rejected, "\(name) must decode: \(error)")
        }
    }

    @Test("frames the original produced re-encode byte-exact (field order, nulls, compact)")
    func reencodesLibraryFramesByteExact() throws {
        let produced = Self.file.vectors.filter { $0.frame == "text" && ($0["producer"]?.stringValue ?? "").hasPrefix("siyi-py-protocol") }
        #expect(produced.count == 26)
        for vector in produced {
            let text = try #require(vector.text)
            let message = try SiyiMessage(decoding: text)
            #expect(message.encoded() == text, "\(vector.name)")
        }
    }

    @Test("typed fields of the README frames")
    func typedFields() throws {
        let request = try SiyiMessage(decoding: #require(Self.file.vector(named: "request.params_object")?.text))
        #expect(request == .request(SiyiRequest(
            id: "7beade42-6397-45c4-a74c-90095acd1f94",
            command: "echo",
            params: .object([.init(key: "message", value: .string("Hello, World!"))])
        )))
        let failure = try SiyiMessage(decoding: #require(Self.file.vector(named: "response.error.handler_exception")?.text))
        #expect(failure == .response(.failure(id: "9f72e7d8-2fb9-48be-82d7-a93b9a80165c", message: "kaboom")))
        let event = try SiyiMessage(decoding: #require(Self.file.vector(named: "event")?.text))
        guard case .event(let decoded) = event else { Issue.record("not an event"); return }
        #expect(decoded.name == "player_update")
        #expect(decoded.data["health"] == .integer(95))
    }

    @Test("an UPPERCASE UUID id matches the lowercase id it copies; other strings stay verbatim")
    func idNormalization() throws {
        let upper = try SiyiMessage(decoding: #require(Self.file.vector(named: "response.error.uppercase_id")?.text))
        #expect(upper.id.rawValue == "333725fa-410c-4075-b822-34f07e69c84a")
        #expect(upper == .response(SiyiResponse(id: "333725fa-410c-4075-b822-34f07e69c84a", outcome: .failure("raw2 says no"))))
        #expect(SiyiMessageID("{5FA41F03-C3F6-4093-A9BD-E59613CB73B8}").rawValue == "5fa41f03-c3f6-4093-a9bd-e59613cb73b8")
        #expect(SiyiMessageID("5FA41F03C3F64093A9BDE59613CB73B8").rawValue == "5fa41f03-c3f6-4093-a9bd-e59613cb73b8")
        #expect(SiyiMessageID("urn:uuid:5FA41F03-C3F6-4093-A9BD-E59613CB73B8").rawValue == "5fa41f03-c3f6-4093-a9bd-e59613cb73b8")
        #expect(SiyiMessageID("req-1").rawValue == "req-1")
        #expect(SiyiMessageID("5FA41F03-C3F6-4093-A9BD-E59613CB73BX").rawValue == "5FA41F03-C3F6-4093-A9BD-E59613CB73BX")
        #expect(SiyiMessageID("é").rawValue == "é")
        let generated = SiyiMessageID.random().rawValue
        #expect(generated == generated.lowercased() && generated.count == 36)
        #expect(SiyiMessageID(generated).rawValue == generated)
    }

    @Test("a missing id is replaced by a fresh lowercase uuid4, as the original")
    func missingID() throws {
        let message = try SiyiMessage(decoding: #require(Self.file.vector(named: "request.missing_id")?.text))
        guard case .request(let request) = message else { Issue.record("not a request"); return }
        #expect(request.command == "echo" && request.params == .null)
        #expect(SiyiMessageID(request.id.rawValue.uppercased()) == request.id)
    }

    @Test("validation errors carry what an error reply needs")
    func rejections() throws {
        func error(_ text: String) -> SiyiDecodingError? {
            do {
                _ = try SiyiMessage(decoding: text)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("hello{")?.code == .invalidJSON)
        #expect(error("[1]")?.code == .notAnObject)
        let unknown = try #require(error(#"{"id": "u1", "type": "notify", "command": "echo"}"#))
        #expect(unknown.code == .unknownType && unknown.type == nil)
        let numeric = try #require(error(#"{"id": 7, "type": "request", "command": "echo"}"#))
        #expect(numeric.code == .invalidID && numeric.type == "request" && numeric.id == .integer(7))
        let list = try #require(error(#"{"id": "p1", "type": "request", "command": "echo", "params": [1]}"#))
        #expect(list.message == "invalid request: params must be an object or null")
        #expect(list.type == "request" && list.id == .string("p1"))
        let anonymous = try #require(error(#"{"type": "request", "command": "echo", "params": [1]}"#))
        #expect(anonymous.id == nil, "a generated id means nothing to the sender")
        #expect(error(#"{"id": "e1", "type": "event", "name": "n", "data": [1]}"#)?.message == "invalid event: data must be an object or null")
        #expect(error(#"{"id": "r", "type": "request"}"#)?.message == "invalid request: command must be a string")
        #expect(error(#"{"id": "r", "type": "response", "status": "maybe"}"#)?.type == "response")
        #expect(error(#"{"id": "r", "type": "response", "status": "ok", "error": 3}"#)?.code == .invalidField)
    }

    @Test("inconsistent responses become failures instead of being dropped (decision S5)")
    func inconsistentResponses() throws {
        #expect(try SiyiMessage(decoding: #"{"id":"a","type":"response","status":"ok","data":1,"error":"bad"}"#)
            == .response(.failure(id: "a", message: "bad")))
        #expect(try SiyiMessage(decoding: #"{"id":"a","type":"response","status":"error","data":1,"error":"bad"}"#)
            == .response(.failure(id: "a", message: "bad")))
        #expect(try SiyiMessage(decoding: #"{"id":"a","type":"response","status":"error"}"#)
            == .response(SiyiResponse(id: "a", outcome: .failure(nil))))
        #expect(try SiyiMessage(decoding: #"{"id":"a","type":"response","status":"ok","extra":[1]}"#)
            == .response(.success(id: "a")))
    }

    @Test("encoding writes nulls, keeps UTF-8 and field order")
    func encoding() {
        #expect(SiyiMessage.request(SiyiRequest(id: "r1", command: "get_status")).encoded()
            == #"{"id":"r1","type":"request","command":"get_status","params":null}"#)
        #expect(SiyiMessage.response(.failure(id: "r1", message: "ünknown")).encoded()
            == #"{"id":"r1","type":"response","status":"error","data":null,"error":"ünknown"}"#)
        #expect(SiyiMessage.event(SiyiEvent(id: "e", name: "司驿", data: .object([]))).encoded()
            == #"{"id":"e","type":"event","name":"司驿","data":{}}"#)
    }
}
