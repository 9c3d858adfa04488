import Foundation
import Logging
import SwitchboardCore

extension CrossCommFileStore {
    /// The OSS path-style subset (Protocols.md §5.7): `PUT/GET/HEAD/DELETE /<bucket>/<key>`
    /// and `GET /<bucket>/?prefix=…` (ListObjects, `ListBucketResult` XML).
    func handleOSS<Chunks: AsyncSequence>(_ request: CrossCommFileRequest, body: Chunks, now: Date) async -> Response
    where Chunks.Element == [UInt8] {
        let requestID = CrossCommIDs.hex(24).uppercased()
        let bucket: String, key: String
        switch request.target {
        case .object(let b, let k): (bucket, key) = (b, k)
        case .bucket(let b): (bucket, key) = (b, "")
        default: return Self.ossError(400, "InvalidURI", "the store answers /<bucket>/<key> and /files/<key>", requestID)
        }
        let query = request.queryItems
        if let credentials = configuration.credentials {
            let resource = CrossCommOSSSignature.canonicalResource(bucket: bucket, key: key, query: query)
            if let failure = CrossCommOSSSignature.verify(method: request.method, headers: request.headers, resource: resource, credentials: credentials, now: now, query: query) {
                logger.notice("file store: unsigned or badly signed request refused", metadata: ["method": "\(request.method)", "reason": "\(failure)"])
                let (code, message): (String, String) = switch failure {
                case .missing: ("AccessDenied", "the request is not signed (Authorization: OSS <id>:<signature>)")
                case .unknownAccessKey: ("InvalidAccessKeyId", "the access key id is not known")
                case .mismatch: ("SignatureDoesNotMatch", "the request signature does not match")
                case .missingDate: ("AccessDenied", "the request has no readable Date header")
                case .skewed: ("RequestTimeTooSkewed", "the difference between the request time and the server's time is too large")
                case .expired: ("AccessDenied", "the presigned URL has expired")
                }
                return Self.ossError(403, code, message, requestID)
            }
        }
        guard bucket == configuration.bucket else {
            return Self.ossError(404, "NoSuchBucket", "the specified bucket does not exist", requestID)
        }
        if let unsupported = query.first(where: { CrossCommOSSSignature.subresources.contains($0.name) && $0.name != "objectMeta" }) {
            return Self.ossError(501, "NotImplemented", "the \(unsupported.name) subresource is not supported", requestID)
        }
        if key.isEmpty {
            guard request.method == "GET" else {
                return Self.ossError(405, "MethodNotAllowed", "the bucket answers GET (list objects) only", requestID)
            }
            return list(request, bucket: bucket, now: now, requestID: requestID)
        }
        guard CrossCommFileKeys.isValid(key), !key.hasPrefix(".incoming") else {
            return Self.ossError(400, "InvalidObjectName", "the object name is not valid here", requestID)
        }
        let idHeader = ("x-oss-request-id", requestID)
        switch request.method {
        case "GET", "HEAD":
            guard let object = object(key: key, now: now) else {
                return Self.ossError(404, "NoSuchKey", "the specified key does not exist", requestID)
            }
            return Response(status: 200, contentType: "application/octet-stream", body: .file(object.url, size: object.size), headers: object.headers + [idHeader])
        case "PUT":
            switch await store(key: key, headers: request.headers, body: body, now: now) {
            case .success(let object):
                return Response(status: 200, contentType: "application/xml", body: .bytes([]), headers: [("ETag", object.etag), idHeader])
            case .failure(let failure):
                return Self.ossError(failure.status, failure.code, failure.message, requestID)
            }
        case "DELETE":
            delete(key: key)
            return Response(status: 204, contentType: "application/xml", body: .bytes([]), headers: [idHeader])
        default:
            return Self.ossError(405, "MethodNotAllowed", "objects answer PUT, GET, HEAD and DELETE", requestID)
        }
    }

    /// ListObjects (version 1): `prefix`, `marker`, `max-keys` (1…1000, default 100),
    /// `delimiter` (common prefixes), `encoding-type=url`.
    private func list(_ request: CrossCommFileRequest, bucket: String, now: Date, requestID: String) -> Response {
        let prefix = request.queryValue("prefix") ?? ""
        let marker = request.queryValue("marker") ?? ""
        let delimiter = request.queryValue("delimiter") ?? ""
        let urlEncoded = request.queryValue("encoding-type") == "url"
        guard let maxKeys = Int(request.queryValue("max-keys").flatMap { $0.isEmpty ? nil : $0 } ?? "100"), (1...1000).contains(maxKeys) else {
            return Self.ossError(400, "InvalidArgument", "max-keys must be 1 to 1000", requestID)
        }
        var contents: [StoredObject] = [], prefixes: [String] = []
        var truncated = false, nextMarker = ""
        for object in objects(prefix: prefix, now: now) where object.key.utf8.lexicographicallyPrecedes(marker.utf8) == false && object.key != marker {
            var entry = object.key
            if !delimiter.isEmpty, let range = object.key.dropFirst(prefix.count).range(of: delimiter) {
                entry = String(object.key[..<range.upperBound])
                if prefixes.last == entry || entry.utf8.lexicographicallyPrecedes(marker.utf8) || entry == marker { continue }
            }
            if contents.count + prefixes.count == maxKeys {
                truncated = true
                break
            }
            if entry == object.key { contents.append(object) } else { prefixes.append(entry) }
            nextMarker = entry
        }
        let text = { (value: String) in Self.xmlEscaped(urlEncoded ? Self.urlEncoded(value) : value) }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<ListBucketResult>"
        xml += "<Name>\(Self.xmlEscaped(bucket))</Name><Prefix>\(text(prefix))</Prefix><Marker>\(text(marker))</Marker>"
        xml += "<MaxKeys>\(maxKeys)</MaxKeys><Delimiter>\(text(delimiter))</Delimiter>"
        if urlEncoded { xml += "<EncodingType>url</EncodingType>" }
        xml += "<IsTruncated>\(truncated)</IsTruncated>"
        if truncated { xml += "<NextMarker>\(text(nextMarker))</NextMarker>" }
        for object in contents {
            xml += "<Contents><Key>\(text(object.key))</Key><LastModified>\(CrossCommHTTPDate.iso8601(object.modified))</LastModified>"
            xml += "<ETag>\(Self.xmlEscaped(object.etag))</ETag><Type>Normal</Type><Size>\(object.size)</Size><StorageClass>Standard</StorageClass></Contents>"
        }
        for common in prefixes { xml += "<CommonPrefixes><Prefix>\(text(common))</Prefix></CommonPrefixes>" }
        xml += "</ListBucketResult>\n"
        return Response(status: 200, contentType: "application/xml", body: .bytes(Array(xml.utf8)), headers: [("x-oss-request-id", requestID)])
    }

    /// `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`, as OSS answers.
    static func ossError(_ status: Int, _ code: String, _ message: String, _ requestID: String) -> Response {
        let xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n<Error><Code>\(code)</Code><Message>\(xmlEscaped(message))</Message>"
            + "<RequestId>\(requestID)</RequestId><HostId>switchboard</HostId></Error>\n"
        return Response(status: status, contentType: "application/xml", body: .bytes(Array(xml.utf8)), headers: [("x-oss-request-id", requestID), ("x-oss-ec", code)])
    }

    static func xmlEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Percent-encodes all but `A–Z a–z 0–9 - _ . ~ /` (how OSS encodes keys for `encoding-type=url`).
    static func urlEncoded(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/")
        allowed.remove(charactersIn: "")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
