import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Files and folders through the hub's built-in store between two Swift clients.
@Suite("CrossComm file store (loopback)")
struct CrossCommFileTransferTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crosscomm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// SHA-256 of a file by `sha256sum`: hashing 50 MB in a debug build would hold a
    /// cooperative thread for seconds and starve the tests running beside this one.
    static func hash(_ url: URL) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        let line = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        guard process.terminationStatus == 0, let digest = line.split(separator: " ").first, digest.count == 64 else {
            throw CrossCommError(code: .fileNotFound, message: "sha256sum \(url.path) failed: \(line)")
        }
        return String(digest)
    }

    /// One random 1 MiB block, repeated with each copy stamped with its index (cheap, and no
    /// two chunks alike).
    static func writeRandomFile(_ url: URL, bytes: Int) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var block = [UInt8](repeating: 0, count: 1 << 20)
        block.withUnsafeMutableBytes { raw in
            for index in 0..<(raw.count / 8) { raw.storeBytes(of: generator.next() as UInt64, toByteOffset: index * 8, as: UInt64.self) }
        }
        var written = 0, index: UInt64 = 0
        while written < bytes {
            withUnsafeBytes(of: index) { stamp in for offset in 0..<8 { block[offset] = stamp[offset] } }
            let count = min(block.count, bytes - written)
            try handle.write(contentsOf: block[0..<count])
            written += count
            index += 1
        }
    }

    @Test("a 50 MB file and a folder travel between two Swift clients, verified by hash")
    func transfer() async throws {
        let work = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = try CrossCommFileStore(directory: work.appendingPathComponent("store").path)
        let big = work.appendingPathComponent("big.bin")
        try Self.writeRandomFile(big, bytes: 50_000_000)
        let folder = work.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested/deeper"), withIntermediateDirectories: true)
        try Data("first".utf8).write(to: folder.appendingPathComponent("a.txt"))
        try Self.writeRandomFile(folder.appendingPathComponent("nested/b.bin"), bytes: 200_000)
        try Data().write(to: folder.appendingPathComponent("nested/deeper/empty.dat"))
        let downloads = work.appendingPathComponent("downloads")

        try await TestServer.with(fileStore: store) { server in
            let alice = server.client("alice", fileStore: true), bob = server.client("bob", fileStore: true)
            let arrived = EventLog<CrossCommMessage>()
            bob.onMessage(from: "alice", downloadDirectory: downloads.path) { arrived.append($0) }
            try await alice.login()
            try await bob.login()

            let progress = Recorder<CrossCommTransferProgress>()
            let sent = try await alice.send(big.path, type: .file, to: "bob") { progress.append($0) }
            let key = try #require(sent.ossKey)
            #expect(key.hasPrefix("cross_comm/alice/") && key.hasSuffix(".bin"))
            #expect(progress.values.last == CrossCommTransferProgress(bytesTransferred: 50_000_000, totalBytes: 50_000_000))
            #expect(zip(progress.values, progress.values.dropFirst()).allSatisfy { $0.bytesTransferred <= $1.bytesTransferred })

            let fileMessage = try await arrived.next(timeout: .seconds(60))
            #expect(fileMessage.ossKey == key)
            let local = URL(fileURLWithPath: try #require(fileMessage.text))
            #expect(local.path == downloads.appendingPathComponent(key).path)
            #expect(try Self.hash(local) == Self.hash(big))

            let folderMessage = try await alice.send(folder.path, type: .folder, to: "bob")
            let prefix = try #require(folderMessage.ossKey)
            #expect(prefix.hasSuffix("_folder/"))
            let arrivedFolder = try await arrived.next(timeout: .seconds(30))
            let localFolder = URL(fileURLWithPath: try #require(arrivedFolder.text))
            for relative in ["a.txt", "nested/b.bin", "nested/deeper/empty.dat"] {
                #expect(try Self.hash(localFolder.appendingPathComponent(relative)) == Self.hash(folder.appendingPathComponent(relative)))
            }
            await alice.logout()
            await bob.logout()
        }
    }

    @Test("the store refuses unsafe keys, unknown methods and missing objects")
    func storeRules() async throws {
        let work = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = try CrossCommFileStore(directory: work.path)
        let empty = AsyncStream<[UInt8]> { $0.finish() }
        #expect(await store.handle(method: "GET", path: "/files/cross_comm/../../etc/passwd", body: empty).status == 400)
        #expect(await store.handle(method: "GET", path: "/files/cross_comm/%2e%2e/x", body: empty).status == 400)
        #expect(await store.handle(method: "PUT", path: "/files/.incoming/x", body: empty).status == 400)
        #expect(await store.handle(method: "GET", path: "/files/cross_comm/a/missing.txt", body: empty).status == 404)
        #expect(await store.handle(method: "DELETE", path: "/files/cross_comm/a/x.txt", body: empty).status == 405)
        let body = AsyncStream<[UInt8]> { continuation in
            continuation.yield(Array("hello".utf8))
            continuation.finish()
        }
        #expect(await store.handle(method: "PUT", path: "/files/cross_comm/a/1_ab.txt", body: body).status == 201)
        let listing = await store.handle(method: "GET", path: "/files/cross_comm/a/", body: empty)
        guard case .bytes(let bytes) = listing.body else { Issue.record("listing is not bytes"); return }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"keys":["cross_comm/a/1_ab.txt"]}"#)
    }
}
