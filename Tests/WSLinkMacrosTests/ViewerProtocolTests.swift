import Logging
import MsgPack
import ServiceLifecycle
import SwitchboardCore
import SwitchboardTesting
import Testing
import WSLinkExposed
import WSLinkServerExample

@Suite(.timeLimit(.minutes(1))) struct ViewerProtocolTests {
    let logger = Logger(label: "viewer-test") { _ in SwiftLogNoOpLogHandler() }

    @Test func theGeneratedRouterServesTheExampleProtocol() async throws {
        let router = ViewerProtocol().makeRouter()
        #expect(router.methodNames == ["viewer.add", "viewer.image", "viewer.reset", "viewer.stream.start", "viewer.stream.stop"])
        let transport = InMemoryServerTransport()
        let adapter = WSLinkServerAdapter(router: router, logger: logger)
        let server = SwitchboardServer(transport: transport, adapters: [adapter], logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        let client = WSLinkClient(transport: transport.client(adapter: "wslink"), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask { try await client.run() }
            #expect(try await client.call("viewer.add", args: [40], kwargs: ["b": 2], as: Int.self) == 42)
            #expect(try await client.call("viewer.add", args: [7], as: Int.self) == 7)
            let image = try await client.call("viewer.image", kwargs: ["width": 2, "height": 1, "frame": 1])
            #expect(image == .binary([1, 1, 8, 2, 1, 8]))
            let bad = await #expect(throws: WSLinkError.self) { try await client.call("viewer.image", kwargs: ["width": 0]) }
            #expect(bad?.remote?.code == -32001)
            #expect(bad?.remote?.data?["exception"] == "ValueError('width and height must be between 1 and 4096')")

            let frames = try client.subscribe(ViewerProtocol.imageTopic)
            #expect(try await client.call("viewer.stream.start", kwargs: ["fps": 50, "width": 4, "height": 4]) == true)
            #expect(try await client.call("viewer.stream.start") == false)
            var seen: [Int] = []
            for await frame in frames {
                seen.append(frame["frame"]?.intValue ?? -1)
                #expect(frame["pixels"]?.binaryValue?.count == 48)
                if seen.count == 3 { break }
            }
            #expect(seen == [0, 1, 2])
            #expect(try await client.call("viewer.stream.stop", as: Int.self) >= 3)
            #expect(try await client.call("viewer.reset") == .nil)
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
        }
    }
}
