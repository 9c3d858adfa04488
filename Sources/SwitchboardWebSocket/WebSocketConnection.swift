import Logging
import NIOCore
import NIOWebSocket
import SwitchboardCore
import Synchronization
import WSCore

/// The client's view of one WSCore WebSocket: a frame source and a frame writer. (Server
/// connections run on ``WebSocketEngine`` instead.)
enum WebSocketConnection {
    /// Builds a ``Connection`` over WSCore's inbound stream and outbound writer.
    ///
    /// `channel` is the NIO channel underneath, used only to enforce close deadlines: a peer
    /// that stopped reading can block the close frame itself, so closing must not depend on it.
    static func make(
        info: ConnectionInfo,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        channel: (any Channel)?,
        maxMessageSize: Int,
        closeTimeout: Duration,
        logger: Logger
    ) -> Connection {
        let writer = Writer(outbound: outbound, channel: channel, closeTimeout: closeTimeout, logger: logger)
        return Connection(
            info: info,
            inbound: InboundFrames(Source(inbound: inbound, writer: writer, maxMessageSize: maxMessageSize, logger: logger)),
            writer: writer
        )
    }

    struct Source: FrameSource {
        let inbound: WebSocketInboundStream
        let writer: Writer
        let maxMessageSize: Int
        let logger: Logger

        func makeFrameIterator() -> any FrameIterator {
            Iterator(
                base: inbound.makeAsyncIterator(),
                assembler: WebSocketMessageAssembler(maxMessageSize: maxMessageSize),
                writer: writer,
                logger: logger
            )
        }
    }

    struct Iterator: FrameIterator {
        var base: WebSocketInboundStream.AsyncIterator
        var assembler: WebSocketMessageAssembler
        let writer: Writer
        let logger: Logger

        mutating func next() async throws -> Frame? {
            while let dataFrame = try await base.next() {
                do {
                    let opcode: WebSocketMessageAssembler.Opcode = switch dataFrame.opcode {
                    case .text: .text
                    case .binary: .binary
                    case .continuation: .continuation
                    }
                    if let frame = try assembler.feed(opcode, fin: dataFrame.fin, data: dataFrame.data) { return frame }
                } catch {
                    // Bad input costs only this connection: close with the precise code, log once.
                    logger.info(
                        "closing connection: \(error.reason)",
                        metadata: ["close.code": "\(error.code)"]
                    )
                    await writer.close(code: error.code, reason: error.reason)
                    return nil
                }
            }
            return nil
        }
    }

    final class Writer: FrameWriter {
        private let outbound: WebSocketOutboundWriter
        private weak let channel: (any Channel)?
        private let closeTimeout: Duration
        private let logger: Logger
        private let closed = Atomic<Bool>(false)

        init(outbound: WebSocketOutboundWriter, channel: (any Channel)?, closeTimeout: Duration, logger: Logger) {
            self.outbound = outbound
            self.channel = channel
            self.closeTimeout = closeTimeout
            self.logger = logger
        }

        var isClosed: Bool { closed.load(ordering: .acquiring) }

        func write(_ frame: Frame) async throws {
            guard !isClosed else {
                throw SwitchboardError(code: .connectionClosed, message: "connection is closed")
            }
            do {
                switch frame {
                case .text(let text):
                    try await outbound.write(.text(text))
                case .binary(let buffer):
                    try await outbound.write(.binary(buffer))
                }
            } catch {
                throw SwitchboardError(code: .connectionClosed, message: "write failed", cause: error)
            }
        }

        func close(code: CloseCode, reason: String) async {
            guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
            if let channel {
                // Hard deadline for the whole handshake, armed before the close frame is sent
                // because sending it can itself block on a peer that stopped reading.
                let deadline = TimeAmount.nanoseconds(Int64(closeTimeout.components.seconds) * 1_000_000_000
                    + Int64(closeTimeout.components.attoseconds / 1_000_000_000))
                let deadlineClose = channel.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
                // Cancelled once the channel is closed, so the task does not keep the closed
                // channel (and its buffers) alive for the rest of the deadline.
                channel.closeFuture.whenComplete { _ in deadlineClose.cancel() }
            }
            guard code.isSendable else {
                // 1005/1006/1015 describe a close locally and must never appear on the wire.
                channel?.close(promise: nil)
                return
            }
            do {
                try await outbound.close(WebSocketErrorCode(code), reason: reason.isEmpty ? nil : Self.truncated(reason))
            } catch {
                logger.trace("close frame not sent", metadata: ["error": "\(error)"])
            }
        }

        /// Close reasons are limited to 123 bytes of UTF-8 (RFC 6455 §5.5).
        static func truncated(_ reason: String) -> String {
            var result = ""
            var bytes = 0
            for character in reason {
                bytes += character.utf8.count
                if bytes > 123 { break }
                result.append(character)
            }
            return result
        }
    }
}

extension WebSocketErrorCode {
    init(_ code: CloseCode) {
        self.init(codeNumber: Int(code.rawValue))
    }
}
