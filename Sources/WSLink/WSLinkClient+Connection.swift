import Logging
import MsgPack
import SwitchboardCore
import Synchronization
import NIOCore

extension WSLinkClient {
    /// Runs one connection: says hello, writes queued frames in order, routes what arrives.
    func serve(_ connection: Connection) async throws {
        let (outbox, continuation) = AsyncStream<[Frame]>.makeStream()
        let hello = WSLinkEnvelope.request(WSLinkRequest(
            id: WSLinkEnvelope.helloID, method: WSLinkEnvelope.helloMethod, args: [["secret": .string(configuration.token ?? configuration.secret)]]
        ))
        try state.withLock { state in
            state.outbox = continuation
            state.clientID = nil
            state.serverMaxMessageSize = Self.initialMaxMessageSize
            state.nextAttachmentKey = 1
            continuation.yield(try encode(hello, state: &state))
        }
        defer { disconnected() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // One writer per connection keeps each message's frames (chunks, attachments) together.
                for await frames in outbox {
                    for frame in frames { try await connection.write(frame) }
                }
            }
            var reader = InboundReader(configuration: configuration)
            for try await frame in connection.inbound {
                do {
                    guard let envelope = try reader.receive(frame) else { continue }
                    if route(envelope) == .stop { break }
                } catch {
                    logger.warning("dropping a malformed message from the server", metadata: ["error": "\(error)"])
                }
            }
            continuation.finish()
            group.cancelAll()
        }
    }

    private enum Routing { case proceed, stop }

    private func route(_ envelope: WSLinkEnvelope) -> Routing {
        switch envelope {
        case .request:
            logger.debug("ignoring a request sent by the server")
            return .proceed
        case .result(let id, let result) where id == WSLinkEnvelope.helloID:
            state.withLock { state in
                state.clientID = result["clientID"]?.stringValue
                state.serverMaxMessageSize = result["maxMsgSize"]?.intValue ?? Self.initialMaxMessageSize
                // A new server session: announce every wanted topic again.
                state.announces = result["capabilities"]?.arrayValue?.contains("subscriptions") ?? false
                state.announced = []
                state.nextAnnouncement = 0
                for topic in state.subscribers.keys.sorted() { announce(topic, state: &state) }
            }
            changes.notify()
            return .proceed
        case .error(let id, let error) where id == WSLinkEnvelope.helloID:
            logger.error("wslink.hello refused", metadata: ["wslink.error": "\(error)"])
            stop(WSLinkError(code: .authenticationFailed, message: "the server refused the secret", remote: error))
            return .stop
        case .result(let id, let result) where id.hasPrefix("publish:"):
            let topic = String(id.dropFirst("publish:".count).prefix { $0 != ":" })
            let subscribers = state.withLock { $0.subscribers[topic].map { Array($0.values) } ?? [] }
            for subscriber in subscribers { subscriber.yield(result) }
            return .proceed
        case .result(let id, _) where id.hasPrefix("system:"), .error(let id, _) where id.hasPrefix("system:") && id != WSLinkEnvelope.helloID:
            if case .error(_, let error) = envelope {
                logger.warning("subscription announcement refused", metadata: ["wslink.id": "\(id)", "wslink.error": "\(error)"])
            }
            return .proceed
        case .result(let id, let result):
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: result)
            return .proceed
        case .error(let id, let error):
            guard let call = state.withLock({ $0.pending.removeValue(forKey: id) }) else {
                logger.info("server error for no pending call", metadata: ["wslink.id": "\(id)", "wslink.error": "\(error)"])
                return .proceed
            }
            call.resume(throwing: WSLinkError(code: .remote, message: error.message, requestID: id, remote: error))
            return .proceed
        }
    }

    /// Fails the calls of the connection that ended; subscriptions stay for the next one.
    private func disconnected() {
        let pending = state.withLock { state in
            state.outbox?.finish()
            state.outbox = nil
            state.clientID = nil
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        let error = WSLinkError(code: .connectionClosed, message: "the connection closed before the reply arrived")
        pending.forEach { $0.resume(throwing: error) }
        changes.notify()
    }
}

/// Turns the server's frames back into envelopes, for either generation.
struct InboundReader {
    private let configuration: WSLinkClientConfiguration
    private var unchunker: WSLinkUnchunker
    private var announced: [String] = []
    private var attachments: [String: [UInt8]] = [:]

    init(configuration: WSLinkClientConfiguration) {
        self.configuration = configuration
        self.unchunker = WSLinkUnchunker(limits: configuration.reassembly)
    }

    mutating func receive(_ frame: Frame) throws(WSLinkError) -> WSLinkEnvelope? {
        switch (configuration.generation, frame) {
        case (.v2, .binary(let buffer)):
            guard let payload = try unchunker.receive(Array(buffer.readableBytesView), sizeLimit: configuration.maxInboundMessageBytes, at: .now) else { return nil }
            return try WSLinkEnvelope(decoding: payload)
        case (.v2, .text):
            throw WSLinkError(code: .malformedPayload, message: "text message on a 2.x connection")
        case (.v1, .binary(let buffer)):
            guard !announced.isEmpty else { throw WSLinkError(code: .malformedPayload, message: "binary message without an attachment header") }
            attachments[announced.removeFirst()] = Array(buffer.readableBytesView)
            return nil
        case (.v1, .text(let text)):
            let json = try WSLinkV1Codec.parse(text)
            if json["id"] == nil, json["method"]?.stringValue == WSLinkV1Codec.attachmentMethod {
                announced.append(contentsOf: json["args"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                return nil
            }
            defer {
                attachments.removeAll()
                announced.removeAll()
            }
            return try WSLinkEnvelope(WSLinkV1Codec.value(from: json, attachments: attachments))
        }
    }
}
