import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Refuses any static-file request whose path, once percent-decoded (twice, to catch double
/// encoding), could leave the content directory: `..` segments, backslashes, NUL bytes.
///
/// Hummingbird's file middleware already refuses `..`, but with 400; the contract here is
/// 403, and it must hold for every encoded form.
struct PathTraversalGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.escapesRoot(request.uri.path) {
            context.logger.info("refused path traversal attempt", metadata: ["http.path": "\(request.uri.path)"])
            throw HTTPError(.forbidden, message: "Path not allowed")
        }
        return try await next(request, context)
    }

    static func escapesRoot(_ rawPath: String) -> Bool {
        var candidates = [rawPath]
        if let once = rawPath.removingPercentEncoding {
            candidates.append(once)
            if let twice = once.removingPercentEncoding { candidates.append(twice) }
        }
        return candidates.contains { path in
            path.contains("\\") || path.contains("\u{0}")
                || path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
        }
    }
}

/// Answers a plain HTTP request to a WebSocket path with 426 Upgrade Required.
enum UpgradeRequired {
    static func response(path: String) -> Response {
        var headers = HTTPFields()
        headers[.upgrade] = "websocket"
        headers[.connection] = "Upgrade"
        headers[.contentType] = "text/plain; charset=utf-8"
        let body = "\(path) takes WebSocket connections only: send a GET with 'Upgrade: websocket'.\n"
        return Response(status: .upgradeRequired, headers: headers, body: .init(byteBuffer: .init(string: body)))
    }
}
