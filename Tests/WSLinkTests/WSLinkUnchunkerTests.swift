import MsgPack
import SwitchboardTesting
import Testing
@testable import WSLink

@Suite struct WSLinkUnchunkerTests {
    let start = ContinuousClock.now

    @Test func everyVectorReassemblesToItsPayload() throws {
        for message in try V2Message.all() {
            var unchunker = WSLinkUnchunker()
            var completed: [[UInt8]] = []
            for chunk in message.chunks {
                if let payload = try unchunker.receive(chunk, sizeLimit: 4_194_304, at: start) { completed.append(payload) }
            }
            #expect(completed.count == 1, "\(message.name)")
            #expect(try MsgPackValue(decoding: completed[0]) == message.decoded, "\(message.name)")
            #expect(unchunker.partialMessageCount == 0)
        }
    }

    @Test func outOfOrderAndInterleavedChunksReassemble() throws {
        let call = try V2Message.named("chunked.call.part2")
        let reply = try V2Message.named("chunked.result.part2")
        var unchunker = WSLinkUnchunker()
        #expect(try unchunker.receive(reply.chunks[1], sizeLimit: 1000, at: start) == nil)
        #expect(try unchunker.receive(call.chunks[0], sizeLimit: 1000, at: start) == nil)
        #expect(unchunker.partialMessageCount == 2)
        #expect(unchunker.reservedBytes == 180 + 189)
        let first = try #require(try unchunker.receive(reply.chunks[0], sizeLimit: 1000, at: start))
        let second = try #require(try unchunker.receive(call.chunks[1], sizeLimit: 1000, at: start))
        #expect(try WSLinkEnvelope(decoding: first).value == reply.decoded)
        #expect(try WSLinkEnvelope(decoding: second).value == call.decoded)
        #expect(unchunker.partialMessageCount == 0)
        #expect(unchunker.reservedBytes == 0)
    }

    @Test func aChunkWhoseSizeDisagreesIsRejectedAndItsMessageDropped() throws {
        var unchunker = WSLinkUnchunker()
        #expect(try unchunker.receive(frame(id: 5, offset: 0, size: 10, content: [1, 2, 3]), sizeLimit: 100, at: start) == nil)
        let error = #expect(throws: WSLinkError.self) {
            try unchunker.receive(frame(id: 5, offset: 3, size: 11, content: [4]), sizeLimit: 100, at: start)
        }
        #expect(error?.code == .chunkSizeMismatch)
        #expect(unchunker.partialMessageCount == 0)
        #expect(unchunker.reservedBytes == 0)
    }

    @Test func sizeLimitsApplyToTheDeclaredSize() throws {
        var unchunker = WSLinkUnchunker()
        let big = frame(id: 1, offset: 0, size: 16385, content: [0])
        let error = #expect(throws: WSLinkError.self) { try unchunker.receive(big, sizeLimit: 16384, at: start) }
        #expect(error?.code == .messageTooLarge)
        #expect(try unchunker.receive(big, sizeLimit: 1 << 20, at: start) == nil)
    }

    @Test func malformedChunksAreRejected() {
        var unchunker = WSLinkUnchunker()
        let short = #expect(throws: WSLinkError.self) { try unchunker.receive([1, 2, 3], sizeLimit: 100, at: start) }
        #expect(short?.code == .malformedChunk)
        let past = #expect(throws: WSLinkError.self) {
            try unchunker.receive(frame(id: 2, offset: 8, size: 10, content: [1, 2, 3]), sizeLimit: 100, at: start)
        }
        #expect(past?.code == .malformedChunk)
    }

    @Test func tenThousandPartialMessagesStayBounded() throws {
        var unchunker = WSLinkUnchunker(limits: .init(maxBufferedBytes: 1 << 20, maxPartialMessages: 32))
        var refused = 0
        for id in 0..<10_000 {
            do {
                _ = try unchunker.receive(frame(id: UInt32(id), offset: 0, size: 100, content: [0]), sizeLimit: 1 << 20, at: start)
            } catch {
                #expect(error.code == .tooManyPartialMessages)
                refused += 1
            }
        }
        #expect(refused == 10_000 - 32)
        #expect(unchunker.partialMessageCount == 32)
        #expect(unchunker.reservedBytes == 3200)
    }

    @Test func declaredBytesAreCappedAcrossPartialMessages() throws {
        var unchunker = WSLinkUnchunker(limits: .init(maxBufferedBytes: 1000, maxPartialMessages: 100))
        #expect(try unchunker.receive(frame(id: 1, offset: 0, size: 600, content: [0]), sizeLimit: 1 << 20, at: start) == nil)
        let error = #expect(throws: WSLinkError.self) {
            try unchunker.receive(frame(id: 2, offset: 0, size: 401, content: [0]), sizeLimit: 1 << 20, at: start)
        }
        #expect(error?.code == .reassemblyFull)
        #expect(try unchunker.receive(frame(id: 3, offset: 0, size: 400, content: [0]), sizeLimit: 1 << 20, at: start) == nil)
    }

    @Test func incompleteMessagesExpireWithoutSleeping() throws {
        var unchunker = WSLinkUnchunker(limits: .init(incompleteTimeout: .seconds(10)))
        #expect(try unchunker.receive(frame(id: 1, offset: 0, size: 4, content: [1, 2]), sizeLimit: 100, at: start) == nil)
        #expect(unchunker.expire(at: start + .seconds(10)) == 0)
        #expect(unchunker.expire(at: start + .seconds(11)) == 1)
        #expect(unchunker.reservedBytes == 0)
        // The late chunk now starts a new partial message instead of completing the old one.
        #expect(try unchunker.receive(frame(id: 1, offset: 2, size: 4, content: [3, 4]), sizeLimit: 100, at: start + .seconds(12)) == nil)
        #expect(unchunker.partialMessageCount == 1)
    }

    private func frame(id: UInt32, offset: UInt32, size: UInt32, content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        WSLinkChunkHeader(id: id, offset: offset, size: size).write(to: &bytes)
        return bytes + content
    }
}
