import Testing
import SwitchboardCore
import SwitchboardTesting

@Suite("RecordingConnection")
struct RecordingConnectionTests {
    @Test func metadataDescribesTheRoute() {
        let peer = RecordingConnection(
            adapter: "siyi", path: "/x", peer: "10.0.0.1:5", headers: Headers([(name: "Origin", value: "http://a")])
        )
        let info = peer.connection.info
        #expect(info.route == Route(listener: "memory", pathPattern: "/x", adapter: "siyi"))
        #expect(info.path == "/x")
        #expect(info.peer == "10.0.0.1:5")
        #expect(info.headers["origin"] == "http://a")
        #expect(info.isSecure == false)
        #expect(RecordingConnection().connection.info.id != peer.connection.info.id)
    }

    @Test func injectedFramesArriveInOrderAndDisconnectEndsThem() async throws {
        let peer = RecordingConnection()
        peer.send(.text("a"))
        peer.send(.binary([1]))
        peer.disconnect()
        let frames = try await withTimeout(.seconds(5)) {
            var frames: [Frame] = []
            for try await frame in peer.connection.inbound { frames.append(frame) }
            return frames
        }
        #expect(frames == [.text("a"), .binary([1])])
    }

    @Test func writesAreRecordedAndReturnedOnceEach() async throws {
        let peer = RecordingConnection()
        try await peer.connection.write(.text("x"))
        try await peer.connection.write(.text("y"))
        #expect(peer.written == [.text("x"), .text("y")])
        #expect(try await peer.nextWritten() == .text("x"))
        #expect(try await peer.nextWritten() == .text("y"))
        let error = await #expect(throws: SwitchboardError.self) {
            try await peer.nextWritten(timeout: .milliseconds(20))
        }
        #expect(error?.code == .timeout)
    }

    @Test func nextWrittenWakesUpForALaterWrite() async throws {
        let peer = RecordingConnection()
        async let next = peer.nextWritten()
        try await peer.connection.write(.text("later"))
        #expect(try await next == .text("later"))
    }

    @Test func closeIsRecordedOnceAndEndsEverything() async throws {
        let peer = RecordingConnection()
        try await peer.connection.write(.text("last"))
        await peer.connection.close(code: .policyViolation, reason: "nope")
        await peer.connection.close(code: .normal, reason: "ignored")
        #expect(try await peer.waitForClose() == .policyViolation)
        #expect(peer.closeFrame?.reason == "nope")
        // Writes after close fail.
        let writeError = await #expect(throws: SwitchboardError.self) { try await peer.connection.write(.text("more")) }
        #expect(writeError?.code == .connectionClosed)
        // The frame written before the close is still readable; then the close is reported.
        #expect(try await peer.nextWritten() == .text("last"))
        let nextError = await #expect(throws: SwitchboardError.self) { try await peer.nextWritten() }
        #expect(nextError?.code == .connectionClosed)
        // Closing ends the inbound side too.
        let inbound = try await withTimeout(.seconds(5)) {
            var count = 0
            for try await _ in peer.connection.inbound { count += 1 }
            return count
        }
        #expect(inbound == 0)
    }

    @Test func waitForCloseWakesUpForALaterClose() async throws {
        let peer = RecordingConnection()
        async let code = peer.waitForClose()
        await peer.connection.close(code: .heartbeatTimeout, reason: "")
        #expect(try await code == .heartbeatTimeout)
    }

    @Test func waitForCloseTimesOut() async throws {
        let peer = RecordingConnection()
        let error = await #expect(throws: SwitchboardError.self) { try await peer.waitForClose(timeout: .milliseconds(20)) }
        #expect(error?.code == .timeout)
    }

    @Test func peerConnectionIsTheFarEnd() async throws {
        let near = RecordingConnection(adapter: "echo", path: "/p")
        let far = near.peerConnection
        #expect(far.info.id == near.connection.info.id)
        #expect(far.info.route.adapter == "echo")
        #expect(far.info.peer == "memory")

        // far → near
        try await far.write(.text("to near"))
        // near → far
        try await near.connection.write(.binary([9, 9]))

        let received = try await withTimeout(.seconds(5)) {
            var nearInbound = near.connection.inbound.makeAsyncIterator()
            var farInbound = far.inbound.makeAsyncIterator()
            return (try await nearInbound.next(), try await farInbound.next())
        }
        #expect(received.0 == .text("to near"))
        #expect(received.1 == .binary([9, 9]))
    }

    @Test func closingTheFarEndEndsTheNearInboundAndRecordsTheCode() async throws {
        let near = RecordingConnection()
        let far = near.peerConnection
        try await far.write(.text("bye"))
        await far.close(code: .normal, reason: "done")
        #expect(near.closeFrame?.code == .normal)
        let frames = try await withTimeout(.seconds(5)) {
            var frames: [Frame] = []
            for try await frame in near.connection.inbound { frames.append(frame) }
            return frames
        }
        #expect(frames == [.text("bye")])
        let error = await #expect(throws: SwitchboardError.self) { try await far.write(.text("after")) }
        #expect(error?.code == .connectionClosed)
    }

    @Test func closingTheNearEndEndsTheFarInbound() async throws {
        let near = RecordingConnection()
        let far = near.peerConnection
        try await near.connection.write(.text("1"))
        try await near.connection.write(.text("2"))
        await near.connection.close(code: .goingAway, reason: "")
        let frames = try await withTimeout(.seconds(5)) {
            var frames: [Frame] = []
            for try await frame in far.inbound { frames.append(frame) }
            return frames
        }
        #expect(frames == [.text("1"), .text("2")])
    }

    @Test func farInboundWaitsForLaterWrites() async throws {
        let near = RecordingConnection()
        let far = near.peerConnection
        async let received = withTimeout(.seconds(5)) {
            var frames: [Frame] = []
            for try await frame in far.inbound { frames.append(frame) }
            return frames
        }
        for n in 1...20 { try await near.connection.write(.text("\(n)")) }
        await near.connection.close(code: .normal, reason: "")
        #expect(try await received == (1...20).map { .text("\($0)") })
    }
}

@Suite("Timeout helpers")
struct TimeoutTests {
    @Test func withTimeoutReturnsTheResult() async throws {
        #expect(try await withTimeout(.seconds(5)) { 42 } == 42)
    }

    @Test func withTimeoutFailsWithTimeout() async throws {
        let error = await #expect(throws: SwitchboardError.self) {
            try await withTimeout(.milliseconds(20), "never") {
                try await Task.sleep(for: .seconds(60))
                return 1
            }
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("never") == true)
    }

    @Test func withTimeoutPassesErrorsThrough() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await withTimeout(.seconds(5)) { () async throws -> Int in throw Boom() }
        }
    }

    @Test func waitUntilFailsWithTimeout() async throws {
        let error = await #expect(throws: SwitchboardError.self) {
            try await waitUntil(.milliseconds(20), "false") { false }
        }
        #expect(error?.code == .timeout)
    }
}
