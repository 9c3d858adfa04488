import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardCore
import SwitchboardWebSocket

/// The launcher's HTTP answers: `POST <endpoint>` starts a session, `GET`/`DELETE
/// <endpoint><id>` read and end one (always enabled, unlike wslink's opt-in
/// `WSLINK_LAUNCHER_GET`/`_DELETE`), other `GET`s are static content, anything else is 404.
/// Every response closes the connection, so the next request on a new connection can be a
/// proxied one. Endpoint requests pass ``LauncherAccess`` first (403 for a foreign `Origin`,
/// CORS preflights and headers).
final class LauncherHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]
        var headers: [(name: String, value: String)] = []

        init(_ answer: LauncherAnswer) {
            status = HTTPResponseStatus(statusCode: answer.status)
            contentType = "application/json; charset=utf-8"
            body = answer.body.encodedBytes(.compact)
        }

        init(status: HTTPResponseStatus, contentType: String, body: [UInt8], headers: [(name: String, value: String)] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }
    }

    private let launcher: SessionLauncher
    private let content: StaticFiles?
    private let access: LauncherAccess
    private let logger: Logger
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(launcher: SessionLauncher, content: StaticFiles?, access: LauncherAccess, logger: Logger) {
        self.launcher = launcher
        self.content = content
        self.access = access
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
        case .body(var chunk):
            if body.count + chunk.readableBytes > SessionLauncher.maxBodySize {
                tooLarge = true
            } else if let bytes = chunk.readBytes(length: chunk.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                write(context: context, Response(.error(413, "Request body too large")), isHead: false)
                return
            }
            dispatch(context: context, head: head, body: body)
        }
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let endpoint = launcher.configuration.endpointPath
        let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let id = path.hasPrefix(endpoint) ? String(path.dropFirst(endpoint.count)) : nil
        let launcher = self.launcher
        let origin = head.headers.first(name: "origin")
        if id != nil, let refusal = accessRefusal(head: head, path: path, origin: origin) {
            write(context: context, refusal, isHead: false)
            return
        }
        let cors = id == nil ? [] : (access.cors?.responseHeaders(origin: origin) ?? [])
        let work: (@Sendable () async -> Response)?
        switch (head.method, id) {
        case (.POST, ""?):
            work = { var response = Response(await launcher.launch(body: body)); response.headers = cors; return response }
        case (.GET, let id?) where !id.isEmpty && !id.contains("/"):
            work = { var response = Response(await launcher.get(id: id)); response.headers = cors; return response }
        case (.DELETE, let id?) where !id.isEmpty && !id.contains("/"):
            work = { var response = Response(await launcher.delete(id: id)); response.headers = cors; return response }
        case (.GET, _), (.HEAD, _):
            let content = self.content
            work = {
                guard let file = content?.file(for: path) else {
                    return Response(status: .notFound, contentType: "text/plain; charset=utf-8", body: Array("Not Found".utf8))
                }
                return Response(status: .ok, contentType: file.contentType, body: Array(file.data))
            }
        default:
            work = nil
        }
        guard let work else {
            write(context: context, Response(status: .notFound, contentType: "text/plain; charset=utf-8", body: Array("Not Found".utf8)), isHead: false)
            return
        }
        let promise = context.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask(work)
        let isHead = head.method == .HEAD
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.write(context: context, response, isHead: isHead)
        }
    }

    /// The answer to an endpoint request that must not reach the session manager: a CORS
    /// preflight (204 or 403), or a foreign `Origin` (403, logged).
    private func accessRefusal(head: HTTPRequestHead, path: String, origin: String?) -> Response? {
        if head.method == .OPTIONS, let cors = access.cors {
            let preflight = cors.preflight(origin: origin, requestHeaders: head.headers.first(name: "access-control-request-headers"))
            if preflight.status != 204 {
                logger.notice("refused a CORS preflight", metadata: ["http.path": "\(path)", "http.origin": "\(origin ?? "-")"])
            }
            return Response(status: HTTPResponseStatus(statusCode: preflight.status), contentType: "text/plain", body: [], headers: preflight.headers)
        }
        guard !access.originPolicy.allows(origin: origin, host: head.headers.first(name: "host")) else { return nil }
        logger.notice("refused a request from a foreign origin", metadata: ["http.path": "\(path)", "http.origin": "\(origin ?? "-")"])
        let message = JSONValue.object([.init(key: "error", value: .string("Origin \(origin ?? "(none)") is not allowed"))])
        return Response(status: .forbidden, contentType: "application/json; charset=utf-8", body: message.encodedBytes(.compact))
    }

    private func write(context: ChannelHandlerContext, _ response: Response, isHead: Bool) {
        var headers = HTTPHeaders()
        for field in response.headers { headers.add(name: field.name, value: field.value) }
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        if !isHead {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
