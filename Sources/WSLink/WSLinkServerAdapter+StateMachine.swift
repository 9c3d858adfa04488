import DequeModule
import MsgPack
import NIOCore
package import SwitchboardCore

extension WSLinkServerAdapter {
    /// One connection's protocol state: generation, reassembly, authentication, attachments.
    /// Pure: it returns actions for the shell to perform and takes time as a parameter.
    /// `package` so the fuzz harness (SwitchboardFuzzing) drives the very code a connection runs.
    package struct StateMachine {
        package enum Action: Equatable {
            /// Send this envelope to the peer.
            case reply(WSLinkEnvelope)
            /// Check the hello's token, then call ``StateMachine/helloValidated(_:)``.
            case validate(token: String)
            /// The hello succeeded: register the client for publishes.
            case authenticated(WSLinkGeneration)
            /// Announce `topic` for this connection (with `filter`), then reply at `id`.
            case subscribe(id: String, topic: String, filter: WSLinkTopicFilter?)
            /// Withdraw `topic`, then reply at `id`.
            case unsubscribe(id: String, topic: String)
            /// Run the call and reply at `id`.
            case dispatch(id: String, call: WSLinkCall)
            /// Reply with nothing, then ask the host to stop after `after`.
            case exit(id: String, after: Duration)
            /// Close the connection.
            case close(CloseCode, reason: String)
            /// Log at most once per `key` per connection; the message never holds payload.
            case logOnce(key: String, message: String)
        }

        /// Where the connection is: its generation is fixed by the first message, and nothing
        /// but `wslink.hello` is served until a hello's token was accepted.
        package enum Phase: Equatable {
            case awaitingFirstMessage
            case awaitingHello(WSLinkGeneration)
            /// A hello's token is being checked; `wasReady` when a client already accepted
            /// sends another (a refusal then leaves it ready).
            case validating(WSLinkGeneration, wasReady: Bool)
            case ready(WSLinkGeneration)
        }

        let clientID: String
        let configuration: WSLinkServerConfiguration
        let hasBuiltinExit: Bool
        package private(set) var phase = Phase.awaitingFirstMessage

        /// The wire generation, once the first message has fixed it.
        var generation: WSLinkGeneration? {
            switch phase {
            case .awaitingFirstMessage: nil
            case .awaitingHello(let generation), .validating(let generation, _), .ready(let generation): generation
            }
        }

        /// Whether a hello has been accepted.
        package var isAuthenticated: Bool {
            switch phase {
            case .ready, .validating(_, wasReady: true): true
            case .awaitingFirstMessage, .awaitingHello, .validating: false
            }
        }
        private var unchunker: WSLinkUnchunker
        private var announcedAttachments: Deque<String> = []
        private var receivedAttachments: [String: [UInt8]] = [:]
        private var attachmentBytes = 0

        package init(clientID: String, configuration: WSLinkServerConfiguration) {
            self.clientID = clientID
            self.configuration = configuration
            self.hasBuiltinExit = configuration.onExitRequest != nil
            self.unchunker = WSLinkUnchunker(limits: configuration.reassembly)
        }

        private var sizeLimit: Int {
            isAuthenticated ? configuration.maxInboundMessageBytes : configuration.preAuthMessageLimit
        }

        package mutating func receive(_ frame: Frame, at now: ContinuousClock.Instant) -> [Action] {
            let generation: WSLinkGeneration
            switch phase {
            case .awaitingFirstMessage:
                generation = frame.isText ? .v1 : .v2
                phase = .awaitingHello(generation)
            case .awaitingHello(let fixed), .validating(let fixed, _), .ready(let fixed):
                generation = fixed
            }
            switch (generation, frame) {
            case (.v2, .text):
                return [.logOnce(key: "text", message: "ignoring text message on a wslink 2.x connection")]
            case (.v2, .binary(let buffer)):
                if let actions = receiveWholeMessage(buffer) { return actions }
                return receiveChunk(Array(buffer.readableBytesView), at: now)
            case (.v1, .text(let text)):
                return receiveText(text)
            case (.v1, .binary(let buffer)):
                return receiveAttachment(Array(buffer.readableBytesView))
            }
        }

        package mutating func helloValidated(_ accepted: Bool) -> [Action] {
            let generation = self.generation ?? .v2
            let wasReady = if case .validating(_, let wasReady) = phase { wasReady } else { isAuthenticated }
            guard accepted else {
                phase = wasReady ? .ready(generation) : .awaitingHello(generation)
                return [.reply(.error(id: WSLinkEnvelope.helloID, error: .authenticationFailed))]
            }
            phase = .ready(generation)
            var pairs: [(key: MsgPackValue, value: MsgPackValue)] = [(key: "clientID", value: .string(clientID))]
            if generation == .v2 { pairs.append((key: "maxMsgSize", value: .integer(configuration.maxMessageSize))) }
            if configuration.announcedSubscriptions { pairs.append((key: "capabilities", value: [.string(Self.subscriptionsCapability)])) }
            let result = MsgPackValue.map(pairs)
            return [.authenticated(generation), .reply(.result(id: WSLinkEnvelope.helloID, result: result))]
        }

        // MARK: 2.x

        /// A message in a single chunk (almost every one) while nothing else is being reassembled:
        /// decoded straight from the transport's buffer, without the unchunker's two copies.
        /// `nil` hands the chunk to the unchunker (partial messages, bad or oversized headers).
        private mutating func receiveWholeMessage(_ buffer: ByteBuffer) -> [Action]? {
            guard unchunker.partialMessageCount == 0 else { return nil }
            let limit = sizeLimit
            return buffer.withUnsafeReadableBytes { raw -> [Action]? in
                guard let header = WSLinkChunkHeader(raw), header.offset == 0,
                      Int(header.size) == raw.count - WSLinkChunkHeader.byteCount, Int(header.size) <= limit
                else { return nil }
                let value: MsgPackValue
                do {
                    value = try MsgPackValue(decoding: UnsafeRawBufferPointer(rebasing: raw[WSLinkChunkHeader.byteCount...]))
                } catch {
                    return rejected(WSLinkError(code: .malformedPayload, message: "message is not valid msgpack: \(error)", cause: error))
                }
                do throws(WSLinkError) {
                    return handle(try WSLinkEnvelope(value))
                } catch {
                    return rejected(error)
                }
            }
        }

        private mutating func receiveChunk(_ bytes: [UInt8], at now: ContinuousClock.Instant) -> [Action] {
            let payload: [UInt8]
            do {
                guard let complete = try unchunker.receive(bytes, sizeLimit: sizeLimit, at: now) else { return [] }
                payload = complete
            } catch {
                return [.close(Self.closeCode(for: error), reason: error.message)]
            }
            do {
                return handle(try WSLinkEnvelope(decoding: payload))
            } catch {
                return rejected(error)
            }
        }

        // MARK: 1.x

        private mutating func receiveText(_ text: String) -> [Action] {
            guard text.utf8.count <= sizeLimit else {
                return [.close(.messageTooBig, reason: "message of \(text.utf8.count) bytes exceeds the limit of \(sizeLimit)")]
            }
            do {
                let envelope = try WSLinkEnvelope(WSLinkV1Codec.value(from: try WSLinkV1Codec.parse(text)))
                if case .request(let request) = envelope, request.id == nil, request.method == WSLinkV1Codec.attachmentMethod {
                    return announce(request.args)
                }
                return handle(try substituteAttachments(envelope))
            } catch {
                return rejected(error)
            }
        }

        private mutating func announce(_ keys: [MsgPackValue]) -> [Action] {
            guard isAuthenticated else {
                return [.logOnce(key: "preauth-attachment", message: "ignoring attachment header before wslink.hello")]
            }
            for key in keys {
                guard let key = key.stringValue, WSLinkV1Codec.isAttachmentKey(key) else { continue }
                guard announcedAttachments.count + receivedAttachments.count < configuration.reassembly.maxPartialMessages else {
                    return [.close(.policyViolation, reason: "more than \(configuration.reassembly.maxPartialMessages) attachments pending")]
                }
                announcedAttachments.append(key)
            }
            return []
        }

        private mutating func receiveAttachment(_ bytes: [UInt8]) -> [Action] {
            guard isAuthenticated, !announcedAttachments.isEmpty else {
                return [.close(.protocolError, reason: "binary message without a preceding wslink.binary.attachment header")]
            }
            guard attachmentBytes + bytes.count <= configuration.reassembly.maxBufferedBytes else {
                return [.close(.messageTooBig, reason: "attachments would hold more than \(configuration.reassembly.maxBufferedBytes) bytes")]
            }
            receivedAttachments[announcedAttachments.removeFirst()] = bytes
            attachmentBytes += bytes.count
            return []
        }

        private mutating func substituteAttachments(_ envelope: WSLinkEnvelope) throws(WSLinkError) -> WSLinkEnvelope {
            defer {
                announcedAttachments.removeAll()
                receivedAttachments.removeAll()
                attachmentBytes = 0
            }
            guard case .request(var request) = envelope else { return envelope }
            if let missing = announcedAttachments.first {
                throw WSLinkError(code: .invalidEnvelope, message: "attachment \(missing) was announced but its binary message never arrived", requestID: request.id)
            }
            guard !receivedAttachments.isEmpty else { return envelope }
            let attachments = receivedAttachments
            func substitute(_ value: MsgPackValue) -> MsgPackValue {
                switch value {
                case .string(let string): attachments[string].map(MsgPackValue.binary) ?? value
                case .array(let elements): .array(elements.map(substitute))
                case .map(let pairs): .map(pairs.map { (key: $0.key, value: substitute($0.value)) })
                default: value
                }
            }
            request.args = request.args.map(substitute)
            if let kwargs = request.kwargs {
                request.kwargs = WSLinkKeywords(substitute(kwargs.value))
            }
            return .request(request)
        }

        // MARK: both generations

        private mutating func handle(_ envelope: WSLinkEnvelope) -> [Action] {
            guard case .request(let request) = envelope else {
                return [.logOnce(key: "reply", message: "ignoring a result or error sent by the client")]
            }
            guard let id = request.id else {
                return [.logOnce(key: "no-id", message: "ignoring message without id")]
            }
            if Self.isSystemID(id) {
                if configuration.announcedSubscriptions, request.method == Self.subscribeMethod || request.method == Self.unsubscribeMethod {
                    return announcement(id: id, request: request)
                }
                guard request.method == WSLinkEnvelope.helloMethod else {
                    return [.reply(.error(id: id, error: .unknownSystemMethod))]
                }
                guard let secret = request.args.first?["secret"]?.stringValue else {
                    // With a token verifier a missing token is refused like a bad one (and closes: §9).
                    guard configuration.tokenVerifier != nil else { return [.reply(.error(id: id, error: .authenticationFailed))] }
                    if let generation { phase = .validating(generation, wasReady: isAuthenticated) }
                    return [.validate(token: "")]
                }
                if let generation { phase = .validating(generation, wasReady: isAuthenticated) }
                return [.validate(token: secret)]
            }
            guard isAuthenticated else {
                return [.reply(.error(id: id, error: .unauthorized))]
            }
            let call = WSLinkCall(method: request.method, args: request.args, kwargs: request.kwargs ?? WSLinkKeywords())
            if hasBuiltinExit, let delay = Self.exitDelay(call) {
                return [.exit(id: id, after: delay)]
            }
            return [.dispatch(id: id, call: call)]
        }

        /// The capability a hello result lists when the server takes announced subscriptions.
        static let subscriptionsCapability = "subscriptions"
        static let subscribeMethod = "wslink.subscribe"
        static let unsubscribeMethod = "wslink.unsubscribe"

        /// `wslink.subscribe(topic[, {"keys": [...]}])` or `wslink.unsubscribe(topic)`, checked
        /// here; the shell applies it and answers.
        private func announcement(id: String, request: WSLinkRequest) -> [Action] {
            guard isAuthenticated else { return [.reply(.error(id: id, error: .unauthorized))] }
            guard let topic = request.args.first?.stringValue, WSLinkPublisher.isValidTopic(topic) else {
                return [.reply(.error(id: id, error: WSLinkRPCError(
                    code: WSLinkRPCError.invalidParamsCode, message: "Invalid request: \(request.method) needs a topic of dot-separated word characters"
                )))]
            }
            guard request.method == Self.subscribeMethod else { return [.unsubscribe(id: id, topic: topic)] }
            guard request.args.count > 1, !request.args[1].isNil else { return [.subscribe(id: id, topic: topic, filter: nil)] }
            guard request.args.count == 2, let filter = WSLinkTopicFilter(request.args[1]) else {
                return [.reply(.error(id: id, error: WSLinkRPCError(
                    code: WSLinkRPCError.invalidParamsCode,
                    message: "Invalid request: a filter is {\"keys\": [strings]} with at most \(WSLinkTopicFilter.maxKeys) keys"
                )))]
            }
            return [.subscribe(id: id, topic: topic, filter: filter)]
        }

        /// Whether the id's first `:`-separated part is `system`. Decided on the UTF-8 bytes
        /// (splitting allocated on every request); only a non-ASCII byte right after
        /// `system:`, which could be a combining mark joining the colon, takes the slow path.
        static func isSystemID(_ id: String) -> Bool {
            var bytes = id.utf8.makeIterator()
            for expected in "system".utf8 where bytes.next() != expected { return false }
            switch bytes.next() {
            case nil: return true
            case UInt8(ascii: ":"):
                guard let following = bytes.next(), following >= 0x80 else { return true }
                return id.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first == "system"
            default: return false
            }
        }

        private func rejected(_ error: WSLinkError) -> [Action] {
            if let id = error.requestID {
                let code = error.message.hasPrefix("request without method") || error.message.hasPrefix("method is not")
                    ? WSLinkRPCError.invalidRequestCode : WSLinkRPCError.invalidParamsCode
                return [.reply(.error(id: id, error: WSLinkRPCError(code: code, message: "Invalid request: \(error.message)")))]
            }
            if error.code == .malformedPayload {
                return [.close(.invalidPayload, reason: error.message)]
            }
            return [.logOnce(key: "invalid", message: "ignoring message that is not a wslink envelope: \(error.message)")]
        }

        /// `application.exit` stops now; `application.exit.later(secondsLater=60)` later.
        private static func exitDelay(_ call: WSLinkCall) -> Duration? {
            switch call.method {
            case "application.exit":
                return .zero
            case "application.exit.later":
                let seconds = (call.args.first ?? call.kwargs["secondsLater"])?.doubleValue ?? 60
                return .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1000))
            default:
                return nil
            }
        }

        private static func closeCode(for error: WSLinkError) -> CloseCode {
            switch error.code {
            case .messageTooLarge, .reassemblyFull: .messageTooBig
            case .tooManyPartialMessages: .policyViolation
            default: .protocolError
            }
        }
    }
}
