import CrossComm
import Foundation
import SwitchboardCore
import SwitchboardTesting
import Testing

/// Swift clients sign their file requests when the store has credentials.
@Suite("CrossComm signed file store (loopback)")
struct CrossCommSignedFileTransferTests {
    @Test("clients with the store's key pair exchange a file and a folder; a client without it cannot upload")
    func signedTransfer() async throws {
        let work = try CrossCommFileTransferTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let credentials = CrossCommOSSCredentials(accessKeyID: "swift-id", accessKeySecret: "swift-secret")
        let store = try CrossCommFileStore(
            directory: work.appendingPathComponent("store").path,
            configuration: .init(bucket: "team", credentials: credentials)
        )
        let file = work.appendingPathComponent("report.bin")
        try CrossCommFileTransferTests.writeRandomFile(file, bytes: 300_000)
        let folder = work.appendingPathComponent("album")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("one".utf8).write(to: folder.appendingPathComponent("sub/1.txt"))
        let downloads = work.appendingPathComponent("downloads")

        try await TestServer.with(fileStore: store) { server in
            let alice = server.client("alice", fileStore: true, credentials: credentials, bucket: "team")
            let bob = server.client("bob", fileStore: true, credentials: credentials, bucket: "team")
            let mallory = server.client("mallory", fileStore: true)
            let arrived = EventLog<CrossCommMessage>()
            bob.onMessage(from: "alice", downloadDirectory: downloads.path) { arrived.append($0) }
            try await alice.login()
            try await bob.login()
            try await mallory.login()

            let sent = try await alice.send(file.path, type: .file, to: "bob")
            let message = try await arrived.next(timeout: .seconds(30))
            let local = URL(fileURLWithPath: try #require(message.text))
            #expect(message.ossKey == sent.ossKey)
            #expect(try Data(contentsOf: local) == Data(contentsOf: file))

            _ = try await alice.send(folder.path, type: .folder, to: "bob")
            let folderMessage = try await arrived.next(timeout: .seconds(30))
            let localFolder = URL(fileURLWithPath: try #require(folderMessage.text))
            #expect(try Data(contentsOf: localFolder.appendingPathComponent("sub/1.txt")) == Data("one".utf8))

            await #expect(throws: CrossCommError.self) { _ = try await mallory.send(file.path, type: .file, to: "bob") }
            await alice.logout()
            await bob.logout()
            await mallory.logout()
        }
    }
}
