import Foundation
import HTTPTypes
import Hummingbird
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

    /// Creates an endpoint.
    public init(pathPrefix: String, handler: @escaping @Sendable (HTTPEndpointRequest) async -> HTTPEndpointResponse) {
        self.pathPrefix = pathPrefix
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
    /// Mounts the endpoint on a Hummingbird router for GET, HEAD, PUT, POST and DELETE.
    func mount(on router: Router<SwitchboardRequestContext>) {
        let prefix = pathPrefix.hasSuffix("/") ? String(pathPrefix.dropLast()) : pathPrefix
        let handler = self.handler
        // `prefix/**` does not match the prefix itself (`/paraview/`, which SmartConnect posts
        // to), so both are mounted.
        for method in [HTTPRequest.Method.get, .head, .put, .post, .delete] {
            for path in [RouterPath(prefix), RouterPath("\(prefix)/**")] {
            router.on(path, method: method) { request, _ in
                var headers = Headers()
                // HTTP/1.1's Host travels as the :authority pseudo-header in HTTPTypes.
                if let authority = request.head.authority { headers.append(name: "Host", value: authority) }
                for field in request.headers { headers.append(name: field.name.canonicalName, value: field.value) }
                let answer = await handler(HTTPEndpointRequest(
                    method: request.method.rawValue,
                    path: request.uri.path,
                    query: request.uri.query ?? "",
                    headers: headers,
                    body: HTTPEndpointRequestBody(base: request.body)
                ))
                return Self.response(answer, isHead: request.method == .head)
            }
            }
        }
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
