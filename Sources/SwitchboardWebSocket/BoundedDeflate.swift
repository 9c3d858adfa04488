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

        // Offers and answers are checked before the stock builder sees them: it hands any
        // integer to zlib, and `server_max_window_bits=85555555555555555` trapped in a numeric
        // conversion, taking the whole server down (found by the `upgrade` fuzz target).

        func serverReponseHeader(to request: WebSocketExtensionHTTPParameters) -> String? {
            guard Self.isValid(request, isResponse: false) else { return nil }
            return base.serverReponseHeader(to: request)
        }

        /// RFC 7692 §5: an offer with an unknown parameter or an invalid value is declined; the
        /// connection goes on without compression (or with the client's next, valid offer).
        func serverExtension(from request: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            guard Self.isValid(request, isResponse: false) else { return nil }
            return try base.serverExtension(from: request).map(Extension.init)
        }

        /// RFC 7692 §5: a client fails the connection on an invalid answer.
        func clientExtension(from response: WebSocketExtensionHTTPParameters) throws -> (any WebSocketExtension)? {
            guard Self.isValid(response, isResponse: true) else { throw InvalidNegotiation() }
            return try base.clientExtension(from: response).map(Extension.init)
        }

        struct InvalidNegotiation: Error, CustomStringConvertible {
            var description: String { "the server answered permessage-deflate with invalid parameters" }
        }

        /// RFC 7692 §7.1: the two `no_context_takeover` flags carry no value; the window sizes are
        /// 8–15, and only an offer may leave `client_max_window_bits` without one.
        static func isValid(_ parameters: WebSocketExtensionHTTPParameters, isResponse: Bool) -> Bool {
            parameters.parameters.allSatisfy { name, value in
                switch (name, value) {
                case ("server_no_context_takeover", .null), ("client_no_context_takeover", .null): true
                case ("server_max_window_bits", .value(let bits)): isWindowSize(bits)
                case ("client_max_window_bits", .value(let bits)): isWindowSize(bits)
                case ("client_max_window_bits", .null): !isResponse
                default: false
                }
            }
        }

        private static func isWindowSize(_ text: String) -> Bool {
            ["8", "9", "10", "11", "12", "13", "14", "15"].contains(text)
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
