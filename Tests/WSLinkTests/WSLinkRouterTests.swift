import MsgPack
import Testing
@testable import WSLink

@Suite struct WSLinkRouterTests {
    let context = WSLinkContext(clientID: "c1", method: "-", publisher: WSLinkPublisher(maxMessageSize: 1 << 20, logger: quietLogger), logger: quietLogger)

    private func call(_ router: WSLinkRouter, _ method: String, _ args: [MsgPackValue] = [], _ kwargs: WSLinkKeywords = [:]) async -> Result<MsgPackValue, WSLinkRPCError> {
        await router.dispatch(WSLinkCall(method: method, args: args, kwargs: kwargs), context: context)
    }

    @Test func positionalKeywordAndDefaultArgumentsBindLikePython() async {
        var router = WSLinkRouter()
        router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
        #expect(await call(router, "demo.add", [2, 3]) == .success(5))
        #expect(await call(router, "demo.add", [40], ["b": 2]) == .success(42))
        #expect(await call(router, "demo.add", [], ["b": 2, "a": 1]) == .success(3))
        #expect(await call(router, "demo.add", [7]) == .success(7))
        #expect(await call(router, "demo.add", [1, 2, 3]) == .failure(.exception(method: "demo.add", description: "TypeError('demo.add() takes 2 positional arguments but 3 were given')")))
        #expect(await call(router, "demo.add", [1], ["c": 1]) == .failure(.exception(method: "demo.add", description: "TypeError('demo.add() got an unexpected keyword argument 'c'')")))
        #expect(await call(router, "demo.add", [1], ["a": 1]) == .failure(.exception(method: "demo.add", description: "TypeError('demo.add() got multiple values for argument 'a'')")))
        #expect(await call(router, "demo.add", []) == .failure(.exception(method: "demo.add", description: "TypeError('demo.add() missing required argument 'a'')")))
    }

    @Test func optionalsCodableBytesAndRawValuesDecode() async {
        struct Point: Codable, Equatable { var x: Int; var y: Int }
        var router = WSLinkRouter()
        router.expose("t.opt", parameters: "name") { (name: String?) in name ?? "none" }
        router.expose("t.point") { (point: Point) in Point(x: point.y, y: point.x) }
        router.expose("t.len") { (data: [UInt8]) in data.count }
        router.expose("t.raw") { (value: MsgPackValue) in value }
        router.expose("t.bin") { () in MsgPackBinary([1, 2]) }
        #expect(await call(router, "t.opt") == .success("none"))
        #expect(await call(router, "t.opt", ["x"]) == .success("x"))
        #expect(await call(router, "t.point", [["x": 1, "y": 2]]) == .success(["x": 2, "y": 1]))
        #expect(await call(router, "t.len", [.binary([1, 2, 3])]) == .success(3))
        #expect(await call(router, "t.raw", [[1, "a", .nil]]) == .success([1, "a", .nil]))
        #expect(await call(router, "t.bin") == .success(.binary([1, 2])))
        guard case .failure(let error) = await call(router, "t.len", ["nope"]) else { Issue.record("expected failure"); return }
        #expect(error.code == -32001)
    }

    @Test func errorsMapToTheWireCodes() async {
        struct Unencodable: Encodable { func encode(to encoder: any Encoder) throws { throw EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "no")) } }
        var router = WSLinkRouter()
        router.expose("t.fail") { () async throws -> Int in throw WSLinkDemoProtocol.ValueError(message: "boom") }
        router.expose("t.wire") { () throws -> Int in throw WSLinkRPCError(code: 7, message: "custom", data: "d") }
        router.expose("t.bad") { () in Unencodable() }
        router.expose("t.ctx") { (context: WSLinkContext, x: Int) in "\(context.clientID):\(x)" }
        #expect(await call(router, "no.such.method") == .failure(WSLinkRPCError(code: -32601, message: "Unregistered method called", data: "no.such.method")))
        #expect(await call(router, "t.fail") == .failure(WSLinkRPCError(code: -32001, message: "Exception raised", data: ["method": "t.fail", "exception": "ValueError('boom')"])))
        #expect(await call(router, "t.wire") == .failure(WSLinkRPCError(code: 7, message: "custom", data: "d")))
        #expect(await call(router, "t.bad") == .failure(WSLinkRPCError(code: -32002, message: "Method result cannot be serialized", data: "t.bad")))
        #expect(await call(router, "t.ctx", [4]) == .success("c1:4"))
    }

    @Test func methodNamesAreValidatedLikePythonsRegister() {
        for good in ["demo.add", "a", "a1_b.c_2", "viewport.image.push"] { #expect(WSLinkRouter.isValidMethodName(good), "\(good)") }
        for bad in ["", "Demo.add", "demo..add", "demo.", ".demo", "1a", "demo-add", "demo.Add", "dé"] { #expect(!WSLinkRouter.isValidMethodName(bad), "\(bad)") }
    }

    @Test func registeringAnInvalidNameTraps() async {
        await #expect(processExitsWith: .failure) {
            var router = WSLinkRouter()
            router.exposeRaw("Bad-Name") { _, _ in .nil }
        }
    }

    @Test func theDemoProtocolMatchesThePythonDemo() async throws {
        let demo = WSLinkDemoProtocol.router()
        #expect(demo.methodNames == ["demo.add", "demo.bytes", "demo.echo", "demo.fail", "demo.flood", "demo.start"])
        #expect(await call(demo, "demo.add", [2, 3]) == .success(5))
        #expect(await call(demo, "demo.add", [40], ["b": 2]) == .success(42))
        #expect(await call(demo, "demo.add", [1.5, 2]) == .success(3.5))
        #expect(await call(demo, "demo.echo", [1, "x", .nil, [true, 1.5]], ["k": "v"]) == .success(["args": [1, "x", .nil, [true, 1.5]], "kwargs": ["k": "v"]]))
        #expect(await call(demo, "demo.bytes", [5]) == .success(["blob": .binary([0, 1, 2, 3, 4]), "n": 5]))
        #expect(await call(demo, "demo.fail") == .failure(.exception(method: "demo.fail", description: "ValueError('boom')")))
    }

    @Test(arguments: [0, 1, 255, 256, 257, 511, 512, 1000, 65_537])
    func demoBytesCountModulo256LikePython(n: Int) {
        #expect(WSLinkDemoProtocol.countingBytes(n) == (0..<n).map { UInt8(truncatingIfNeeded: $0) })
    }
}
