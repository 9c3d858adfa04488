import SwitchboardCore
import SwitchboardTesting
import Testing

@Suite struct GoldenVectorLoaderTests {
    @Test(arguments: ["wslink-v2", "wslink-v1", "crosscomm", "siyi"])
    func everyVectorFileLoads(_ name: String) throws {
        let file = try GoldenVectorFile.load(name)
        #expect(file.source?.isEmpty == false)
        #expect(file.conventions.objectValue?.isEmpty == false)
        #expect(!file.vectors.isEmpty)
        #expect(Set(file.vectors.map(\.name)).count == file.vectors.count, "names are unique")
        for vector in file.vectors {
            #expect(["client->server", "server->client"].contains(vector.direction), "\(vector)")
            if vector.fields["hex"] != nil { #expect(vector.bytes != nil, "\(vector) hex parses") }
            // Where a text frame's JSON is recorded, parsing the text must give it, key order included.
            if let text = vector.text, let decoded = vector.decoded, !decoded.isNull {
                #expect(try JSONValue(parsing: text) == decoded, "\(vector)")
            }
        }
    }

    @Test func frameKinds() throws {
        let wslink = try GoldenVectorFile.load("wslink-v2.json")
        #expect(wslink.vector(named: "hello.request")?.frame == "binary")
        #expect(wslink.vector(named: "probe.text_frame")?.frame == "text")
        let crosscomm = try GoldenVectorFile.load("crosscomm")
        #expect(crosscomm.vectors.contains { $0.frame == "close" })
        #expect(crosscomm.root["handshake"] != nil)
    }

    @Test func hexHelpers() {
        #expect(GoldenVector.bytes(fromHex: "00fFa0") == [0, 255, 160])
        #expect(GoldenVector.bytes(fromHex: "abc") == nil)
        #expect(GoldenVector.bytes(fromHex: "zz") == nil)
        #expect(GoldenVector.hex([0, 255, 160]) == "00ffa0")
    }
}
