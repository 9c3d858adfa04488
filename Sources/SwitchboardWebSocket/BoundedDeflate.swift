import CompressNIO
import NIOWebSocket
import WSCompression
import WSCore

/// permessage-deflate with the decompression limit tied to the message limit, and an inflated
/// message that is too large reported as 1009 (message too big).
///
/// The stock extension has its own 16 KiB default limit and reports overflow as 1011 (internal
/// error), which would tell a client to retry the same oversized message forever.
enum BoundedDeflate {
    static func factory(maxMessageSize: Int) -> WebSocketExtensionFactory {
        // One byte of headroom: the inflater refuses output that reaches its limit exactly, and
        // the message assembler enforces the real limit with the right code.
        let stock = WebSocketExtensionFactory.perMessageDeflate(maxDecompressedFrameSize: maxMessageSize + 1)
        return WebSocketExtensionFactory { Builder(base: stock.build()) }
    }

    struct Builder: WebSocketExtensionBuilder {
        static let name = "permessage-deflate"
        let base: any WebSocketExtensionBuilder

        func clientRequestHeader() -> String { base.clientRequestHeader() }

        func serverReponseHeader(to request: WebSocketExtensionHTTPParameters) -> String? {
            base.serverReponseHeader(to: request)
        }

        func serverExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            try base.serverExtension(from: request).map(Extension.init)
        }

        func clientExtension(from response: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            try base.clientExtension(from: response).map(Extension.init)
        }
    }

    struct Extension: WebSocketExtension {
        let base: any WebSocketExtension

        var name: String { base.name }
        var reservedBits: WebSocketFrame.ReservedBits { base.reservedBits }

        func processReceivedFrame(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            do {
                return try await base.processReceivedFrame(frame, context: context)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // WSCore maps this NIO error to 1009.
                throw NIOWebSocketError.invalidFrameLength
            }
        }

        func processFrameToSend(_ frame: WebSocketFrame, context: WebSocketExtensionContext) async throws -> WebSocketFrame {
            try await base.processFrameToSend(frame, context: context)
        }

        func shutdown() async { await base.shutdown() }
    }
}
