/// Cross-origin resource sharing for an ``HTTPEndpoint``: which browser origins may read its
/// answers from their pages, and what a preflight allows.
///
/// For a request whose `Origin` is listed, every answer carries
/// `Access-Control-Allow-Origin: <that origin>` and `Vary: Origin`, and a preflight (`OPTIONS`
/// with `Access-Control-Request-Method`) is answered `204` with the allowed methods, the
/// requested headers that ``allowedHeaders`` covers, and ``maxAge``. Other origins get no CORS
/// headers, and their preflights `403`.
///
/// ```swift
/// var files = HTTPEndpoint(pathPrefix: "/files") { _ in … }
/// files.cors = CORSPolicy(origins: ["https://app.example.com"], allowedMethods: ["GET", "PUT"], allowedHeaders: ["Content-Type", "x-oss-*"])
/// ```
public struct CORSPolicy: Sendable, Hashable {
    /// Allowed origins, `scheme://host[:port]` (compared without case and default ports),
    /// `null`, or `*` for any origin (the answer still names the request's origin).
    public var origins: [String]
    /// Methods a preflight allows (`Access-Control-Allow-Methods`).
    public var allowedMethods: [String]
    /// Request headers a preflight allows; an entry ending in `*` allows every header with that
    /// prefix (`x-oss-*`). Compared without case.
    public var allowedHeaders: [String]
    /// Response headers a page's script may read besides the CORS-safelisted ones
    /// (`Access-Control-Expose-Headers`).
    public var exposedHeaders: [String]
    /// How long, in seconds, a browser may cache a preflight answer (`Access-Control-Max-Age`).
    public var maxAge: Int

    /// Creates a policy.
    public init(
        origins: [String],
        allowedMethods: [String],
        allowedHeaders: [String] = [],
        exposedHeaders: [String] = [],
        maxAge: Int = 600
    ) {
        self.origins = origins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.maxAge = maxAge
    }

    /// Whether pages of `origin` (the request's `Origin` header) may read answers.
    public func allows(origin: String?) -> Bool {
        guard let origin, !origin.trimmingWhitespace.isEmpty else { return false }
        let entries: [OriginPolicy.Entry] = origins.map { $0 == "*" ? .any : .exact($0) }
        return OriginPolicy(allowed: entries, allowsSameHost: false, allowsMissingOrigin: false).allows(origin: origin, host: nil)
    }

    /// The headers of an ordinary answer to a request from `origin`: none unless it is allowed.
    public func responseHeaders(origin: String?) -> [(name: String, value: String)] {
        guard let origin, allows(origin: origin) else { return [] }
        var headers = [(name: "Access-Control-Allow-Origin", value: origin.trimmingWhitespace), (name: "Vary", value: "Origin")]
        if !exposedHeaders.isEmpty {
            headers.append((name: "Access-Control-Expose-Headers", value: exposedHeaders.joined(separator: ", ")))
        }
        return headers
    }

    /// The answer to a preflight from `origin` asking for `requestHeaders`
    /// (`Access-Control-Request-Headers`): `204` and the allowances, or `403` without CORS
    /// headers for an origin not allowed.
    public func preflight(origin: String?, requestHeaders: String?) -> (status: Int, headers: [(name: String, value: String)]) {
        guard let origin, allows(origin: origin) else { return (403, []) }
        var headers = [
            (name: "Access-Control-Allow-Origin", value: origin.trimmingWhitespace),
            (name: "Vary", value: "Origin"),
            (name: "Access-Control-Allow-Methods", value: allowedMethods.joined(separator: ", ")),
            (name: "Access-Control-Max-Age", value: "\(maxAge)"),
        ]
        let requested = (requestHeaders ?? "").split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
        let granted = requested.filter(allowsHeader)
        if !granted.isEmpty {
            headers.append((name: "Access-Control-Allow-Headers", value: granted.joined(separator: ", ")))
        }
        return (204, headers)
    }

    private func allowsHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return allowedHeaders.contains { entry in
            let entry = entry.lowercased()
            return entry.hasSuffix("*") ? lowered.hasPrefix(entry.dropLast()) : lowered == entry
        }
    }
}

extension CORSPolicy {
    /// The CrossComm file store's policy for `origins`: `GET`, `HEAD`, `PUT`, `DELETE`; the
    /// headers an OSS V1 signed request carries (`Authorization`, `Content-Type`,
    /// `Content-MD5`, `Date`, `x-oss-*`); `ETag`, `Last-Modified` and `x-oss-*` answers readable.
    public static func fileStore(origins: [String]) -> CORSPolicy {
        CORSPolicy(
            origins: origins,
            allowedMethods: ["GET", "HEAD", "PUT", "DELETE"],
            allowedHeaders: ["Authorization", "Content-Type", "Content-MD5", "Date", "x-oss-*"],
            exposedHeaders: ["ETag", "Last-Modified", "x-oss-request-id", "x-oss-ec", "x-oss-object-type"]
        )
    }

    /// The wslink launcher's policy for `origins` (SmartConnect's `POST` of a JSON body).
    public static func launcher(origins: [String]) -> CORSPolicy {
        CORSPolicy(origins: origins, allowedMethods: ["POST"], allowedHeaders: ["Content-Type"])
    }
}
