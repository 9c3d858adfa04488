import CrossComm
import Foundation
import SwitchboardCore
import Testing

/// OSS V1 signatures, byte-exact against oss2 2.19.1, and the request parser.
@Suite("CrossComm OSS signature and request parsing")
struct CrossCommOSSSignatureTests {
    static let credentials = CrossCommOSSCredentials(accessKeyID: "AKID", accessKeySecret: "SECRET")

    @Test("an object PUT signs as oss2.Auth signs it (x-oss headers sorted, Content-MD5, Content-Type)")
    func objectSignatureMatchesOSS2() {
        // oss2.Auth("AKID", "SECRET")._sign_request(req, "bkt", "cross_comm/alice/1_ab 1+2.txt"), printed by oss2 2.19.1.
        let headers = Headers([
            ("Content-Type", "text/plain"), ("x-oss-meta-b", "2"), ("X-OSS-Meta-A", "1"),
            ("Content-MD5", "ICy5YqxZB1uWSwcVLSNLcA=="), ("Date", "Sat, 05 Dec 2026 20:23:57 GMT"),
        ])
        let resource = CrossCommOSSSignature.canonicalResource(bucket: "bkt", key: "cross_comm/alice/1_ab 1+2.txt")
        #expect(CrossCommOSSSignature.stringToSign(method: "PUT", headers: headers, resource: resource)
            == "PUT\nICy5YqxZB1uWSwcVLSNLcA==\ntext/plain\nSat, 05 Dec 2026 20:23:57 GMT\nx-oss-meta-a:1\nx-oss-meta-b:2\n/bkt/cross_comm/alice/1_ab 1+2.txt")
        #expect(CrossCommOSSSignature.authorization(method: "PUT", headers: headers, resource: resource, credentials: Self.credentials)
            == "OSS AKID:+m7Pz8WO6AWNTTo8BhljlBsit2E=")
    }

    @Test("a bucket listing signs its subresources only, sorted (acl, objectMeta), not prefix or marker")
    func bucketSignatureMatchesOSS2() {
        let request = CrossCommFileRequest(
            method: "GET", path: "/bkt/",
            query: "prefix=cross_comm%2F&marker=&delimiter=&max-keys=100&encoding-type=url&acl=&objectMeta=",
            headers: Headers([("Date", "Sat, 05 Dec 2026 20:23:57 GMT")])
        )
        #expect(request.target == .bucket("bkt"))
        let resource = CrossCommOSSSignature.canonicalResource(bucket: "bkt", key: "", query: request.queryItems)
        #expect(resource == "/bkt/?acl&objectMeta")
        var signed = request.headers
        signed.append(name: "Authorization", value: "OSS AKID:rqwjrUmOlh5RZjLmE0S3JWhX7YE=")
        let now = CrossCommHTTPDate.parse("Sat, 05 Dec 2026 20:30:00 GMT")!
        #expect(CrossCommOSSSignature.verify(method: "GET", headers: signed, resource: resource, credentials: Self.credentials, now: now) == nil)
    }

    @Test("verification refuses missing, foreign, wrong and stale signatures")
    func verificationFailures() {
        let date = "Sat, 05 Dec 2026 20:23:57 GMT"
        let now = CrossCommHTTPDate.parse(date)!
        let resource = "/bkt/k"
        func headers(_ authorization: String?, date: String = date) -> Headers {
            var headers = Headers([("Date", date)])
            if let authorization { headers.append(name: "Authorization", value: authorization) }
            return headers
        }
        let good = CrossCommOSSSignature.authorization(method: "GET", headers: headers(nil), resource: resource, credentials: Self.credentials)
        let verify = { (h: Headers, at: Date) in CrossCommOSSSignature.verify(method: "GET", headers: h, resource: resource, credentials: Self.credentials, now: at) }
        #expect(verify(headers(good), now) == nil)
        #expect(verify(headers(nil), now) == .missing)
        #expect(verify(headers("Bearer x"), now) == .missing)
        #expect(verify(headers(good.replacingOccurrences(of: "AKID", with: "OTHER")), now) == .unknownAccessKey)
        #expect(verify(headers("OSS AKID:AAAAAAAAAAAAAAAAAAAAAAAAAAA="), now) == .mismatch)
        #expect(verify(headers(good, date: "yesterday"), now) == .missingDate)
        #expect(verify(headers(good), now.addingTimeInterval(16 * 60)) == .skewed)
        #expect(verify(headers(good), now.addingTimeInterval(-14 * 60)) == nil)
    }

    @Test("HTTP and ISO 8601 dates round-trip without a DateFormatter")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_796_502_237)
        #expect(CrossCommHTTPDate.format(date) == "Sat, 05 Dec 2026 20:23:57 GMT")
        #expect(CrossCommHTTPDate.iso8601(date) == "2026-12-05T20:23:57.000Z")
        #expect(CrossCommHTTPDate.parse("Sat, 05 Dec 2026 20:23:57 GMT") == date)
        #expect(CrossCommHTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == Date(timeIntervalSince1970: 0))
        #expect(CrossCommHTTPDate.parse("Sat, 05 Foo 2026 20:23:57 GMT") == nil)
        #expect(CrossCommHTTPDate.parse("2026-12-05") == nil)
    }

    @Test("paths parse into OSS objects and buckets, and Switchboard's /files API")
    func targets() {
        #expect(CrossCommFileRequest(method: "GET", path: "/bkt/cross_comm%2Falice%2F1.txt").target == .object(bucket: "bkt", key: "cross_comm/alice/1.txt"))
        #expect(CrossCommFileRequest(method: "GET", path: "/bkt/a/b%2Bc.txt").target == .object(bucket: "bkt", key: "a/b+c.txt"))
        #expect(CrossCommFileRequest(method: "GET", path: "/bkt").target == .bucket("bkt"))
        #expect(CrossCommFileRequest(method: "GET", path: "/files/a/b.txt").target == .file(key: "a/b.txt"))
        #expect(CrossCommFileRequest(method: "GET", path: "/files/a/").target == .fileListing(prefix: "a/"))
        #expect(CrossCommFileRequest(method: "GET", path: "/").target == .unsupported)
        let items = CrossCommFileRequest(method: "GET", path: "/bkt/", query: "prefix=a+b%2Fc&objectMeta").queryItems
        #expect(items.map(\.name) == ["prefix", "objectMeta"])
        #expect(items.map(\.value) == ["a b/c", ""])
        #expect(CrossCommFileStore.client(of: "cross_comm/alice/1.txt") == "alice")
        #expect(CrossCommFileStore.client(of: "photos/x.png") == "photos")
    }

    @Test("a presigned URL from oss2's sign_url is accepted until Expires, then refused")
    func presignedURL() {
        // oss2 2.19.1 Bucket.sign_url with time.time() fixed at 1796502237 and expires=600.
        let get = CrossCommFileRequest(method: "GET", path: "/bkt/cross_comm%2Falice%2F1_ab.txt",
                                       query: "OSSAccessKeyId=AKID&Expires=1796502837&Signature=ddmO087HnNdp71Tr0FuUg9vUwqc%3D")
        let put = CrossCommFileRequest(method: "PUT", path: "/bkt/cross_comm%2Falice%2F2.bin",
                                       query: "OSSAccessKeyId=AKID&Expires=1796502837&Signature=%2BPihhe4Bv2ObJX1oh2SssgM9gAg%3D",
                                       headers: Headers([("Content-Type", "application/octet-stream")]))
        let before = Date(timeIntervalSince1970: 1_796_502_800), after = Date(timeIntervalSince1970: 1_796_502_838)
        func verify(_ request: CrossCommFileRequest, _ key: String, _ now: Date) -> CrossCommOSSSignature.Failure? {
            let resource = CrossCommOSSSignature.canonicalResource(bucket: "bkt", key: key, query: request.queryItems)
            return CrossCommOSSSignature.verify(method: request.method, headers: request.headers, resource: resource,
                                                credentials: Self.credentials, now: now, query: request.queryItems)
        }
        #expect(verify(get, "cross_comm/alice/1_ab.txt", before) == nil)
        #expect(verify(put, "cross_comm/alice/2.bin", before) == nil)
        #expect(verify(get, "cross_comm/alice/1_ab.txt", after) == .expired)
        #expect(verify(get, "cross_comm/alice/other.txt", before) == .mismatch)
    }
}
