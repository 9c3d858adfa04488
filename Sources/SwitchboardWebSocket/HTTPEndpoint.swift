import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
public import SwitchboardCore

/// A plain HTTP handler mounted under a path prefix on a listener, for services that are not
/// WebSockets (a protocol's file store, say). The request body streams in; a response body is
/// either bytes or a file streamed from disk, so large transfers never sit in memory.
///
/// ```swift
/// let files = HTTPEndpoint(pathPrefix: "/files") { request in
///     HTTPEndpointResponse(status: 200, contentType: "text/plain", body: .bytes(Array("hi".utf8)))
/// }
/// let listener = WebSocketListener(name: "files", port: 0, routes: [], httpEndpoints: [files])
/// ```
public struct HTTPEndpoint: Sendable {
    /// Requests whose path starts with this prefix (e.g. `/files`) reach the handler; `/`
    /// takes every path of the listener (the CrossComm file store's OSS paths).
    public var pathPrefix: String
    /// Answers one request.
    public var handler: @Sendable (HTTPEndpointRequest) async -> HTTPEndpointResponse
    /// Cross-origin access for browser pages, if any: with a policy, `OPTIONS` preflights are
    /// answered (204 or 403) before the handler, and answers to allowed origins carry
    /// `Access-Control-Allow-Origin`. `nil` (the default): no CORS headers, no `OPTIONS`.
    public var cors: CORSPolicy?
    /// Browser origins allowed to use the endpoint at all, if restricted: a request whose
    /// `Origin` this policy refuses (``OriginPolicy/allows(origin:host:)`` with the request's
    /// `Host`) is answered `403` with a JSON `error` and logged, and never reaches the handler.
    /// Requests without `Origin` (non-browser clients) follow ``OriginPolicy/allowsMissingOrigin``.
    /// `serve` guards the launcher (`/paraview/`) this way, so a page on another site cannot
    /// fetch the wslink secret.
    public var originPolicy: OriginPolicy?

    /// Creates an endpoint.
    public init(
        pathPrefix: String,
        cors: CORSPolicy? = nil,
        originPolicy: OriginPolicy? = nil,
        handler: @escaping @Sendable (HTTPEndpointRequest) async -> HTTPEndpointResponse
    ) {
        self.pathPrefix = pathPrefix
        self.cors = cors
        self.originPolicy = originPolicy
        self.handler = handler
    }
}

/// An HTTP request as an ``HTTPEndpoint`` sees it.
public struct HTTPEndpointRequest: Sendable {
    /// `GET`, `PUT`…
    public var method: String
    /// The raw (percent-encoded) path, without query.
    public var path: String
    /// The raw (percent-encoded) query string after `?`, without the `?`; empty when absent.
    public var query: String = ""
    /// The request headers.
    public var headers: Headers
    /// The body, streamed in chunks.
    public var body: HTTPEndpointRequestBody
}

/// A request body as a stream of byte chunks.
public struct HTTPEndpointRequestBody: AsyncSequence, Sendable {
    /// A chunk of the body.
    public typealias Element = [UInt8]
    let base: RequestBody

    /// Iterates the chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator

        /// The next chunk, or `nil` at the end of the body.
        public mutating func next() async throws -> [UInt8]? {
            guard var buffer = try await base.next() else { return nil }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }

    /// Makes the iterator.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

/// What an ``HTTPEndpoint`` answers.
public struct HTTPEndpointResponse: Sendable {
    /// A response body.
    public enum Body: Sendable {
        /// Bytes in memory.
        case bytes([UInt8])
        /// A file streamed from disk in 64 KiB chunks.
        case file(path: String, size: Int64)
    }

    /// The HTTP status code.
    public var status: Int
    /// The `Content-Type`.
    public var contentType: String
    /// The body.
    public var body: Body
    /// Further response headers (`ETag`, `Last-Modified`, `x-oss-request-id`…), sent as given.
    /// `Content-Type` and `Content-Length` come from ``contentType`` and ``body``.
    public var headers: [(name: String, value: String)]

    /// Creates a response.
    public init(status: Int, contentType: String, body: Body, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }
}

extension HTTPEndpoint {
    /// Mounts the endpoint on a Hummingbird router for GET, HEAD, PUT, POST and DELETE, and
    /// OPTIONS when it has a ``cors`` policy.
    func mount(on router: Router<SwitchboardRequestContext>) {
        let prefix = pathPrefix.hasSuffix("/") ? String(pathPrefix.dropLast()) : pathPrefix
        let endpoint = self
        let methods: [HTTPRequest.Method] = [.get, .head, .put, .post, .delete] + (cors != nil ? [.options] : [])
        // `prefix/**` does not match the prefix itself (`/paraview/`, which SmartConnect posts
        // to), so both are mounted.
        for method in methods {
            for path in [RouterPath(prefix), RouterPath("\(prefix)/**")] {
                router.on(path, method: method) { request, context in
                    var headers = Headers()
                    // HTTP/1.1's Host travels as the :authority pseudo-header in HTTPTypes.
                    if let authority = request.head.authority { headers.append(name: "Host", value: authority) }
                    for field in request.headers { headers.append(name: field.name.canonicalName, value: field.value) }
                    let answer = await endpoint.answer(
                        HTTPEndpointRequest(
                            method: request.method.rawValue,
                            path: request.uri.path,
                            query: request.uri.query ?? "",
                            headers: headers,
                            body: HTTPEndpointRequestBody(base: request.body)
                        ),
                        logger: context.logger
                    )
                    return Self.response(answer, isHead: request.method == .head)
                }
            }
        }
    }

    /// The preflight, the origin check, then the handler; CORS headers added for allowed origins.
    func answer(_ request: HTTPEndpointRequest, logger: Logger) async -> HTTPEndpointResponse {
        let origin = request.headers["origin"]
        if let cors, request.method == "OPTIONS" {
            let preflight = cors.preflight(origin: origin, requestHeaders: request.headers["access-control-request-headers"])
            if preflight.status != 204 {
                logger.notice("refused a CORS preflight", metadata: ["http.path": "\(request.path)", "http.origin": "\(origin ?? "-")"])
            }
            return HTTPEndpointResponse(status: preflight.status, contentType: "text/plain", body: .bytes([]), headers: preflight.headers)
        }
        if let originPolicy, !originPolicy.allows(origin: origin, host: request.headers["host"]) {
            logger.notice("refused a request from a foreign origin", metadata: ["http.path": "\(request.path)", "http.origin": "\(origin ?? "-")"])
            let message = JSONValue.object([.init(key: "error", value: .string("Origin \(origin ?? "(none)") is not allowed"))])
            return HTTPEndpointResponse(status: 403, contentType: "application/json", body: .bytes(message.encodedBytes(.python)))
        }
        var answer = await handler(request)
        if let cors { answer.headers += cors.responseHeaders(origin: origin) }
        return answer
    }

    private static func response(_ answer: HTTPEndpointResponse, isHead: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for field in answer.headers {
            guard let name = HTTPField.Name(field.name) else { continue }
            headers.append(HTTPField(name: name, value: field.value))
        }
        let status = HTTPResponse.Status(code: answer.status)
        switch answer.body {
        case .bytes(let bytes):
            headers[.contentLength] = "\(bytes.count)"
            return Response(status: status, headers: headers, body: isHead ? .init() : .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .file(let path, let size):
            headers[.contentLength] = "\(size)"
            if isHead { return Response(status: status, headers: headers, body: .init()) }
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: Int(size)) { writer in
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 64 << 10), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        }
    }
}
