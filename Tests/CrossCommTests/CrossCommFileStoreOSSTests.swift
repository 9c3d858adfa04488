import CrossComm
import Foundation
import SwitchboardCore
import Testing

/// The OSS subset of the file store without sockets: signed requests, listing XML, quotas
/// and expiry, with time as a parameter.
@Suite("CrossComm file store (OSS subset)")
struct CrossCommFileStoreOSSTests {
    static let credentials = CrossCommOSSCredentials(accessKeyID: "id", accessKeySecret: "secret")
    static let now = Date(timeIntervalSince1970: 1_796_502_237)

    static func store(_ configuration: CrossCommFileStore.Configuration) throws -> (CrossCommFileStore, URL) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("oss-\(UUID().uuidString)")
        return (try CrossCommFileStore(directory: work.path, configuration: configuration), work)
    }

    static func body(_ bytes: [UInt8]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            if !bytes.isEmpty { continuation.yield(bytes) }
            continuation.finish()
        }
    }

    /// A request signed like oss2 signs it (or unsigned with `credentials: nil`).
    static func request(_ method: String, _ bucket: String, _ key: String, query: String = "", size: Int? = nil,
                        credentials: CrossCommOSSCredentials? = Self.credentials, at date: Date = now) -> CrossCommFileRequest {
        var headers = Headers([("Date", CrossCommHTTPDate.format(date))])
        if let size { headers.append(name: "Content-Length", value: "\(size)") }
        var request = CrossCommFileRequest(method: method, path: "/\(bucket)/\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)", query: query, headers: headers)
        if let credentials {
            let resource = CrossCommOSSSignature.canonicalResource(bucket: bucket, key: key, query: request.queryItems)
            request.headers.append(name: "Authorization", value: CrossCommOSSSignature.authorization(method: method, headers: headers, resource: resource, credentials: credentials))
        }
        return request
    }

    static func text(_ response: CrossCommFileStore.Response) -> String {
        guard case .bytes(let bytes) = response.body else { return "<file>" }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("signed PUT, GET, HEAD, list and DELETE; unsigned and foreign buckets are refused")
    func signedRoundTrip() async throws {
        let (store, work) = try Self.store(.init(bucket: "bkt", credentials: Self.credentials))
        defer { try? FileManager.default.removeItem(at: work) }
        let put = await store.handle(Self.request("PUT", "bkt", "cross_comm/alice/1 a&b.txt", size: 5), body: Self.body(Array("hello".utf8)), now: Self.now)
        #expect(put.status == 200)
        #expect(put.headers.contains { $0.name == "ETag" } && put.headers.contains { $0.name == "x-oss-request-id" })
        let get = await store.handle(Self.request("GET", "bkt", "cross_comm/alice/1 a&b.txt"), body: Self.body([]), now: Self.now)
        guard case .file(let url, let size) = get.body else { Issue.record("GET is not a file"); return }
        let contents = try Data(contentsOf: url)
        #expect(get.status == 200 && size == 5 && contents == Data("hello".utf8))
        #expect(get.headers.contains { $0.name == "Last-Modified" })

        let unsigned = await store.handle(Self.request("GET", "bkt", "cross_comm/alice/1 a&b.txt", credentials: nil), body: Self.body([]), now: Self.now)
        #expect(unsigned.status == 403 && Self.text(unsigned).contains("<Code>AccessDenied</Code>"))
        let wrong = await store.handle(Self.request("GET", "bkt", "cross_comm/alice/1 a&b.txt", credentials: .init(accessKeyID: "id", accessKeySecret: "guess")), body: Self.body([]), now: Self.now)
        #expect(wrong.status == 403 && Self.text(wrong).contains("<Code>SignatureDoesNotMatch</Code>"))
        let stale = await store.handle(Self.request("GET", "bkt", "cross_comm/alice/1 a&b.txt", at: Self.now.addingTimeInterval(-3600)), body: Self.body([]), now: Self.now)
        #expect(stale.status == 403 && Self.text(stale).contains("<Code>RequestTimeTooSkewed</Code>"))
        let foreign = await store.handle(Self.request("GET", "other", "x"), body: Self.body([]), now: Self.now)
        #expect(foreign.status == 404 && Self.text(foreign).contains("<Code>NoSuchBucket</Code>"))
        let missing = await store.handle(Self.request("GET", "bkt", "cross_comm/alice/none"), body: Self.body([]), now: Self.now)
        #expect(missing.status == 404 && Self.text(missing).contains("<Code>NoSuchKey</Code>"))

        let listing = await store.handle(Self.request("GET", "bkt", "", query: "prefix=cross_comm%2F&marker=&delimiter=&max-keys=100&encoding-type=url"), body: Self.body([]), now: Self.now)
        let xml = Self.text(listing)
        #expect(listing.status == 200)
        #expect(xml.contains("<Prefix>cross_comm/</Prefix>") && xml.contains("<EncodingType>url</EncodingType>") && xml.contains("<IsTruncated>false</IsTruncated>"))
        #expect(xml.contains("<Key>cross_comm/alice/1%20a%26b.txt</Key>") && xml.contains("<Size>5</Size>"))
        #expect(xml.contains("<LastModified>") && xml.contains("<StorageClass>Standard</StorageClass>"))

        #expect(await store.handle(Self.request("DELETE", "bkt", "cross_comm/alice/1 a&b.txt"), body: Self.body([]), now: Self.now).status == 204)
        #expect(await store.handle(Self.request("HEAD", "bkt", "cross_comm/alice/1 a&b.txt"), body: Self.body([]), now: Self.now).status == 404)
    }

    @Test("listing pages with max-keys and marker, and folds common prefixes with a delimiter")
    func listingPagesAndPrefixes() async throws {
        let (store, work) = try Self.store(.init(bucket: "bkt"))
        defer { try? FileManager.default.removeItem(at: work) }
        for key in ["p/a.txt", "p/b/1.txt", "p/b/2.txt", "p/c.txt"] {
            #expect(await store.handle(Self.request("PUT", "bkt", key, credentials: nil), body: Self.body([1]), now: Self.now).status == 200)
        }
        let first = Self.text(await store.handle(Self.request("GET", "bkt", "", query: "prefix=p%2F&max-keys=2", credentials: nil), body: Self.body([]), now: Self.now))
        #expect(first.contains("<IsTruncated>true</IsTruncated>") && first.contains("<NextMarker>p/b/1.txt</NextMarker>"))
        let second = Self.text(await store.handle(Self.request("GET", "bkt", "", query: "prefix=p%2F&max-keys=2&marker=p%2Fb%2F1.txt", credentials: nil), body: Self.body([]), now: Self.now))
        #expect(second.contains("<Key>p/b/2.txt</Key>") && second.contains("<Key>p/c.txt</Key>") && second.contains("<IsTruncated>false</IsTruncated>"))
        let folded = Self.text(await store.handle(Self.request("GET", "bkt", "", query: "prefix=p%2F&delimiter=%2F", credentials: nil), body: Self.body([]), now: Self.now))
        #expect(folded.contains("<CommonPrefixes><Prefix>p/b/</Prefix></CommonPrefixes>") && !folded.contains("<Key>p/b/1.txt</Key>"))
        #expect(folded.contains("<Key>p/a.txt</Key>") && folded.contains("<Key>p/c.txt</Key>"))
    }

    @Test("the object limit and the per-client quota answer 413, the total quota 507")
    func quotas() async throws {
        let (store, work) = try Self.store(.init(bucket: "bkt", maxObjectBytes: 10, quotaBytes: 25, clientQuotaBytes: 15))
        defer { try? FileManager.default.removeItem(at: work) }
        let put = { (key: String, count: Int, declared: Bool) in
            await store.handle(Self.request("PUT", "bkt", key, size: declared ? count : nil, credentials: nil), body: Self.body(Array(repeating: 7, count: count)), now: Self.now)
        }
        let tooBig = await put("cross_comm/a/big", 11, true)
        #expect(tooBig.status == 413 && Self.text(tooBig).contains("<Code>EntityTooLarge</Code>"))
        #expect(await put("cross_comm/a/big", 11, false).status == 413)  // streamed, no Content-Length
        #expect(await put("cross_comm/a/1", 10, true).status == 200)
        let client = await put("cross_comm/a/2", 6, false)
        #expect(client.status == 413 && Self.text(client).contains("<Code>ClientQuotaExceeded</Code>"))
        #expect(await put("cross_comm/a/1", 10, true).status == 200)  // replacing counts the object once
        #expect(await put("cross_comm/b/1", 10, true).status == 200)
        let total = await put("cross_comm/c/1", 6, true)
        #expect(total.status == 507 && Self.text(total).contains("<Code>QuotaExceeded</Code>"))
        #expect(await put("cross_comm/c/1", 5, true).status == 200)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("cross_comm/a/2").path))
    }

    @Test("objects older than maxAge are gone on access and in listings, and free their quota")
    func expiry() async throws {
        let (store, work) = try Self.store(.init(bucket: "bkt", quotaBytes: 10, maxAge: 3600))
        defer { try? FileManager.default.removeItem(at: work) }
        let stored = Date()
        #expect(await store.handle(Self.request("PUT", "bkt", "k/1", credentials: nil), body: Self.body(Array(repeating: 1, count: 10)), now: stored).status == 200)
        #expect(await store.handle(Self.request("HEAD", "bkt", "k/1", credentials: nil), body: Self.body([]), now: stored.addingTimeInterval(3500)).status == 200)
        let later = stored.addingTimeInterval(3700)
        #expect(!Self.text(await store.handle(Self.request("GET", "bkt", "", query: "prefix=k", credentials: nil), body: Self.body([]), now: later)).contains("<Key>"))
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("k/1").path))
        #expect(await store.handle(Self.request("PUT", "bkt", "k/2", credentials: nil), body: Self.body(Array(repeating: 1, count: 10)), now: later).status == 200)
    }
}
