import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwitchboardCore
import SwitchboardWebSocket
import Testing

@Suite("TLS: certificate reload, minimum version, cipher policy", .timeLimit(.minutes(1)))
struct ReloadableTLSContextTests {
    /// Cert A (then B) copied to one served path, as an operator replaces files before SIGHUP.
    struct ServedFiles {
        let a: SelfSignedCertificate
        let b: SelfSignedCertificate
        let served: SelfSignedCertificate

        init() throws {
            a = try .make()
            b = try .make()
            served = try .make()
        }

        var files: TLSFiles { TLSFiles(certificateChainPath: served.certificatePath, privateKeyPath: served.keyPath) }

        func install(certificate: SelfSignedCertificate, key: SelfSignedCertificate) throws {
            try Data(contentsOf: URL(fileURLWithPath: certificate.certificatePath)).write(to: URL(fileURLWithPath: served.certificatePath))
            try Data(contentsOf: URL(fileURLWithPath: key.keyPath)).write(to: URL(fileURLWithPath: served.keyPath))
        }
    }

    @Test("a reload serves the new certificate to new connections; the open one keeps echoing")
    func reloadKeepsSessions() async throws {
        let files = try ServedFiles()
        try files.install(certificate: files.a, key: files.a)
        let certificateA = try NIOSSLCertificate.fromPEMFile(files.a.certificatePath)[0]
        let certificateB = try NIOSSLCertificate.fromPEMFile(files.b.certificatePath)[0]
        try await TestServer.with(TestServer.configuration(tls: files.files)) { server in
            #expect(try await TLSProbe.handshake(port: server.port).certificate == certificateA)
            let outcome = try await TestServer.client(server.url("/echo"), trust: .certificates(pemPath: files.a.certificatePath)).withConnection { old in
                var inbound = old.inbound.makeAsyncIterator()
                try await old.write(.text("before"))
                let before = try await inbound.next()

                try files.install(certificate: files.b, key: files.b)
                #expect(server.transport.reloadTLSCertificates())

                #expect(try await TLSProbe.handshake(port: server.port).certificate == certificateB)
                let fresh = try await TestServer.client(server.url("/echo"), trust: .certificates(pemPath: files.b.certificatePath)).withConnection { connection in
                    try await connection.write(.text("new"))
                    return try await connection.inbound.first { _ in true }
                }
                #expect(fresh.result == .text("new"))
                // A client that trusts only A cannot connect any more.
                await #expect(throws: (any Error).self) {
                    _ = try await TestServer.client(server.url("/echo"), trust: .certificates(pemPath: files.a.certificatePath)).withConnection { _ in 0 }
                }

                try await old.write(.text("after"))
                let after = try await inbound.next()
                return [before, after]
            }
            #expect(outcome.result == [.text("before"), .text("after")])
        }
    }

    @Test("a reload from mismatched or unreadable files fails and keeps the old certificate")
    func failedReloadKeepsCertificate() async throws {
        let files = try ServedFiles()
        try files.install(certificate: files.a, key: files.a)
        let certificateA = try NIOSSLCertificate.fromPEMFile(files.a.certificatePath)[0]
        try await TestServer.with(TestServer.configuration(tls: files.files)) { server in
            // B's certificate with A's key: they do not belong together.
            try files.install(certificate: files.b, key: files.a)
            #expect(!server.transport.reloadTLSCertificates())
            #expect(try await TLSProbe.handshake(port: server.port).certificate == certificateA)

            // Not PEM at all.
            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: files.served.certificatePath))
            #expect(!server.transport.reloadTLSCertificates())
            #expect(try await TLSProbe.handshake(port: server.port).certificate == certificateA)

            // Gone.
            try FileManager.default.removeItem(atPath: files.served.keyPath)
            #expect(!server.transport.reloadTLSCertificates())
            let outcome = try await TestServer.client(server.url("/echo"), trust: .certificates(pemPath: files.a.certificatePath)).withConnection { connection in
                try await connection.write(.text("still A"))
                return try await connection.inbound.first { _ in true }
            }
            #expect(outcome.result == .text("still A"))
        }
    }

    @Test("the server context refuses mismatched files at start")
    func mismatchedFilesRefusedAtStart() throws {
        let a = try SelfSignedCertificate.make()
        let b = try SelfSignedCertificate.make()
        let error = #expect(throws: SwitchboardError.self) {
            _ = try ReloadableTLSContext(files: TLSFiles(certificateChainPath: a.certificatePath, privateKeyPath: b.keyPath))
        }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test("TLS 1.1 and TLS 1.0 clients are refused; TLS 1.2 and 1.3 are served")
    func minimumVersion() async throws {
        let certificate = try SelfSignedCertificate.make()
        let tls = TLSFiles(certificateChainPath: certificate.certificatePath, privateKeyPath: certificate.keyPath)
        try await TestServer.with(TestServer.configuration(tls: tls)) { server in
            for version in [TLSVersion.tlsv1, .tlsv11] {
                await #expect(throws: (any Error).self, "TLS \(version) must be refused") {
                    _ = try await TLSProbe.handshake(port: server.port) {
                        $0.minimumTLSVersion = .tlsv1
                        $0.maximumTLSVersion = version
                    }
                }
            }
            let tls12 = try await TLSProbe.handshake(port: server.port) { $0.maximumTLSVersion = .tlsv12 }
            #expect(tls12.version == .tlsv12)
            #expect(try await TLSProbe.handshake(port: server.port).version == .tlsv13)
        }
    }

    @Test("TLS 1.2 offers only ECDHE with AEAD ciphers: a CBC-only or static-RSA client is refused")
    func cipherPolicy() async throws {
        let certificate = try SelfSignedCertificate.make()
        let files = TLSFiles(certificateChainPath: certificate.certificatePath, privateKeyPath: certificate.keyPath)
        let configuration = try ReloadableTLSContext.serverConfiguration(files)
        #expect(configuration.minimumTLSVersion == .tlsv12)
        #expect(Set(configuration.cipherSuiteValues) == Set(ReloadableTLSContext.tls12CipherSuites))
        try await TestServer.with(TestServer.configuration(tls: files)) { server in
            for refused in [NIOTLSCipher.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, .TLS_RSA_WITH_AES_128_GCM_SHA256] {
                await #expect(throws: (any Error).self, "\(refused) must be refused") {
                    _ = try await TLSProbe.handshake(port: server.port) {
                        $0.maximumTLSVersion = .tlsv12
                        $0.cipherSuiteValues = [refused]
                    }
                }
            }
            let accepted = try await TLSProbe.handshake(port: server.port) {
                $0.maximumTLSVersion = .tlsv12
                $0.cipherSuiteValues = [.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]
            }
            #expect(accepted.version == .tlsv12)
        }
    }
}

/// A raw TLS client: handshakes, sends one HTTP request, and reports what it negotiated.
enum TLSProbe {
    struct NoAnswer: Error {}

    struct Handshake: Sendable {
        var certificate: NIOSSLCertificate?
        var version: TLSVersion?
    }

    /// Throws when the handshake fails (or nothing answers within 10 s).
    static func handshake(port: Int, configure: (inout TLSConfiguration) -> Void = { _ in }) async throws -> Handshake {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configure(&configuration)
        let context = try NIOSSLContext(configuration: configuration)
        return try await withTimeout(.seconds(10), "TLS probe") {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET /none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                var iterator = inbound.makeAsyncIterator()
                guard let first = try await iterator.next(), first.readableBytes > 0 else {
                    throw NoAnswer()
                }
                return Handshake(
                    certificate: try await channel.channel.nioSSL_peerCertificate().get(),
                    version: try await channel.channel.nioSSL_tlsVersion().get()
                )
            }
        }
    }
}
