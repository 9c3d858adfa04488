import CrossComm
import Dispatch
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

    /// FNV-1a 64 over the file, read in 1 MiB chunks — on a Dispatch thread, because hashing
    /// 50 MB in a debug build takes seconds and would starve the two-thread concurrency pool
    /// that every other test shares.
    static func hash(_ url: URL) async throws -> UInt64 {
        try await offload {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { bytes in
                    for byte in bytes {
                        hash ^= UInt64(byte)
                        hash = hash &* 0x100_0000_01b3
                    }
                }
            }
            return hash
        }
    }

    /// Random content written word by word, off the concurrency pool (see ``hash(_:)``).
    static func writeRandomFile(_ url: URL, bytes: Int) async throws {
        try await offload {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            var generator = SystemRandomNumberGenerator()
            var remaining = bytes
            while remaining > 0 {
                let count = min(remaining, 1 << 20)
                let words = (0..<(count + 7) / 8).map { _ in generator.next() as UInt64 }
                try words.withUnsafeBytes { try handle.write(contentsOf: Data($0.prefix(count))) }
                remaining -= count
            }
        }
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    @Test("a 50 MB file and a folder travel between two Swift clients, verified by hash")
    func transfer() async throws {
        let work = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = try CrossCommFileStore(directory: work.appendingPathComponent("store").path)
        let big = work.appendingPathComponent("big.bin")
        try await Self.writeRandomFile(big, bytes: 50_000_000)
        let folder = work.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested/deeper"), withIntermediateDirectories: true)
        try Data("first".utf8).write(to: folder.appendingPathComponent("a.txt"))
        try await Self.writeRandomFile(folder.appendingPathComponent("nested/b.bin"), bytes: 200_000)
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
            #expect(try await Self.hash(local) == Self.hash(big))

            let folderMessage = try await alice.send(folder.path, type: .folder, to: "bob")
            let prefix = try #require(folderMessage.ossKey)
            #expect(prefix.hasSuffix("_folder/"))
            let arrivedFolder = try await arrived.next(timeout: .seconds(30))
            let localFolder = URL(fileURLWithPath: try #require(arrivedFolder.text))
            for relative in ["a.txt", "nested/b.bin", "nested/deeper/empty.dat"] {
                #expect(try await Self.hash(localFolder.appendingPathComponent(relative)) == Self.hash(folder.appendingPathComponent(relative)))
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
