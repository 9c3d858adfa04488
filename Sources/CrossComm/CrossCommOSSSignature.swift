import Crypto
public import Foundation
public import SwitchboardCore

/// Aliyun OSS header signatures, version 1, as `oss2.Auth` computes them (Protocols.md §5.7):
///
/// ```
/// Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1(secret, StringToSign))>
/// StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
///                CanonicalizedOSSHeaders CanonicalizedResource
/// ```
///
/// `CanonicalizedOSSHeaders` are the `x-oss-*` headers, names lowercased, sorted, one
/// `name:value\n` each; `CanonicalizedResource` is `/<bucket>/<key>` (the key not
/// percent-encoded; `/<bucket>/` for bucket requests) followed by the signed subresources of
/// the query (``subresources``), sorted, as `?a=1&b`. `x-oss-date`, when present, stands in
/// for `Date`.
///
/// ```swift
/// let credentials = CrossCommOSSCredentials(accessKeyID: "id", accessKeySecret: "secret")
/// let header = CrossCommOSSSignature.authorization(
///     method: "GET", headers: Headers([("Date", "Sat, 05 Dec 2026 19:00:00 GMT")]),
///     resource: "/switchboard/cross_comm/alice/1_ab.txt", credentials: credentials)
/// ```
public enum CrossCommOSSSignature {
    /// Why a request's signature was not accepted.
    public enum Failure: Sendable, Hashable {
        /// No `Authorization` header (or not of the form `OSS id:signature`).
        case missing
        /// The access key id is not the configured one.
        case unknownAccessKey
        /// The signature does not match the request.
        case mismatch
        /// `Date` (or `x-oss-date`) is absent or unreadable.
        case missingDate
        /// `Date` is further than the allowed skew from the server's clock.
        case skewed
        /// A presigned URL whose `Expires` has passed.
        case expired
    }

    /// Query parameters that are part of the signed resource (oss2's `_subresource_key_set`).
    public static let subresources: Set<String> = [
        "response-content-type", "response-content-language", "response-cache-control", "logging",
        "response-content-encoding", "acl", "uploadId", "uploads", "partNumber", "group", "link", "delete",
        "website", "location", "objectInfo", "objectMeta", "response-expires", "response-content-disposition",
        "cors", "lifecycle", "restore", "qos", "referer", "stat", "bucketInfo", "append", "position",
        "security-token", "live", "comp", "status", "vod", "startTime", "endTime", "x-oss-process", "symlink",
        "callback", "callback-var", "tagging", "encryption", "versions", "versioning", "versionId", "policy",
        "requestPayment", "x-oss-traffic-limit", "qosInfo", "asyncFetch", "x-oss-request-payer", "sequential",
        "inventory", "inventoryId", "continuation-token", "worm", "wormId", "wormExtend", "replication",
        "replicationLocation", "replicationProgress", "transferAcceleration", "cname", "metaQuery",
        "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-ac-forward-allow",
        "resourceGroup", "style", "styleName", "x-oss-async-process", "regionList",
        "x-oss-write-get-object-response", "bucketArchiveDirectRead", "httpsConfig", "redundancyTransition",
        "x-oss-target-redundancy-type", "x-oss-redundancy-transition-taskid", "accessPoint",
        "accessPointPolicy", "publicAccessBlock", "x-oss-access-point-name", "requesterQosInfo", "qosRequester",
        "resourcePoolInfo", "resourcePool", "resourcePoolBuckets",
    ]

    /// The largest difference between a request's `Date` and the server clock: 15 minutes, as OSS.
    public static let maxSkew: TimeInterval = 15 * 60

    /// `/<bucket>/<key>` plus the signed subresources of `query` (decoded name/value pairs).
    public static func canonicalResource(bucket: String, key: String, query: [(name: String, value: String)] = []) -> String {
        let signed = query.filter { subresources.contains($0.name) }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let suffix = signed.isEmpty ? "" : "?" + signed.map { $0.value.isEmpty ? $0.name : "\($0.name)=\($0.value)" }.joined(separator: "&")
        return "/\(bucket)/\(key)\(suffix)"
    }

    /// The string oss2 signs for a request with these headers and canonical resource.
    public static func stringToSign(method: String, headers: Headers, resource: String) -> String {
        var ossHeaders: [(String, String)] = []
        for field in headers where field.name.lowercased().hasPrefix("x-oss-") {
            ossHeaders.append((field.name.lowercased(), field.value))
        }
        ossHeaders.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        let canonicalHeaders = ossHeaders.map { "\($0.0):\($0.1)\n" }.joined()
        let date = headers["x-oss-date"].flatMap { $0.isEmpty ? nil : $0 } ?? headers["Date"] ?? ""
        return [method, headers["Content-MD5"] ?? "", headers["Content-Type"] ?? "", date, canonicalHeaders + resource]
            .joined(separator: "\n")
    }

    /// base64(HMAC-SHA1(secret, stringToSign)).
    public static func signature(stringToSign: String, secret: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Data(code).base64EncodedString()
    }

    /// The `Authorization` header value for a request.
    public static func authorization(method: String, headers: Headers, resource: String, credentials: CrossCommOSSCredentials) -> String {
        let signed = signature(stringToSign: stringToSign(method: method, headers: headers, resource: resource), secret: credentials.accessKeySecret)
        return "OSS \(credentials.accessKeyID):\(signed)"
    }

    /// Checks a request's `Authorization` and `Date` headers, or a presigned URL's
    /// `OSSAccessKeyId`, `Expires` and `Signature` query parameters (what `oss2`'s `sign_url`
    /// makes: `Expires` stands in for `Date`); `nil` when it is signed by `credentials`
    /// within ``maxSkew`` of `now` (a presigned URL: before `Expires`). Signatures compare in
    /// constant time.
    public static func verify(
        method: String,
        headers: Headers,
        resource: String,
        credentials: CrossCommOSSCredentials,
        now: Date,
        query: [(name: String, value: String)] = []
    ) -> Failure? {
        if headers["Authorization"] == nil, let id = query.first(where: { $0.name == "OSSAccessKeyId" })?.value {
            return verifyPresigned(method: method, headers: headers, resource: resource, credentials: credentials, now: now, id: id, query: query)
        }
        guard let header = headers["Authorization"], header.hasPrefix("OSS "),
              let colon = header.lastIndex(of: ":") else { return .missing }
        let id = String(header[header.index(header.startIndex, offsetBy: 4)..<colon]).trimmingCharacters(in: .whitespaces)
        let given = String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        guard constantTimeEqual(id, credentials.accessKeyID) else { return .unknownAccessKey }
        let dateText = headers["x-oss-date"].flatMap { $0.isEmpty ? nil : $0 } ?? headers["Date"]
        guard let dateText, let date = CrossCommHTTPDate.parse(dateText) else { return .missingDate }
        let expected = signature(stringToSign: stringToSign(method: method, headers: headers, resource: resource), secret: credentials.accessKeySecret)
        guard constantTimeEqual(given, expected) else { return .mismatch }
        guard abs(date.timeIntervalSince(now)) <= maxSkew else { return .skewed }
        return nil
    }

    /// A presigned URL: the string to sign carries `Expires` (epoch seconds) where `Date` goes.
    private static func verifyPresigned(
        method: String,
        headers: Headers,
        resource: String,
        credentials: CrossCommOSSCredentials,
        now: Date,
        id: String,
        query: [(name: String, value: String)]
    ) -> Failure? {
        guard constantTimeEqual(id, credentials.accessKeyID) else { return .unknownAccessKey }
        guard let expires = query.first(where: { $0.name == "Expires" })?.value, let seconds = TimeInterval(expires) else { return .missingDate }
        guard let given = query.first(where: { $0.name == "Signature" })?.value else { return .missing }
        var signed = Headers(headers.filter { !["date", "x-oss-date"].contains($0.name.lowercased()) })
        signed.append(name: "Date", value: expires)
        let expected = signature(stringToSign: stringToSign(method: method, headers: signed, resource: resource), secret: credentials.accessKeySecret)
        guard constantTimeEqual(given, expected) else { return .mismatch }
        guard now.timeIntervalSince1970 <= seconds else { return .expired }
        return nil
    }

    /// Compares two strings' bytes without an early exit (the length is not secret).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}
