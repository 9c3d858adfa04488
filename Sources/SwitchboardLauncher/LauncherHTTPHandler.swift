import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore

/// The launcher's HTTP answers: `POST <endpoint>` starts a session, `GET`/`DELETE
/// <endpoint><id>` read and end one (always enabled, unlike wslink's opt-in
/// `WSLINK_LAUNCHER_GET`/`_DELETE`), other `GET`s are static content, anything else is 404.
/// Every response closes the connection, so the next request on a new connection can be a
/// proxied one.
final class LauncherHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]

        init(_ answer: LauncherAnswer) {
            status = HTTPResponseStatus(statusCode: answer.status)
            contentType = "application/json; charset=utf-8"
            body = answer.body.encodedBytes(.compact)
        }

        init(status: HTTPResponseStatus, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    private let launcher: SessionLauncher
    private let content: StaticFiles?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(launcher: SessionLauncher, content: StaticFiles?) {
        self.launcher = launcher
        self.content = content
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
        let work: (@Sendable () async -> Response)?
        switch (head.method, id) {
        case (.POST, ""?):
            work = { Response(await launcher.launch(body: body)) }
        case (.GET, let id?) where !id.isEmpty && !id.contains("/"):
            work = { Response(await launcher.get(id: id)) }
        case (.DELETE, let id?) where !id.isEmpty && !id.contains("/"):
            work = { Response(await launcher.delete(id: id)) }
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

    private func write(context: ChannelHandlerContext, _ response: Response, isHead: Bool) {
        var headers = HTTPHeaders()
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
