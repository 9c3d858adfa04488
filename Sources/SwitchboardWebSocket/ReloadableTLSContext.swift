package import NIOSSL
import SwitchboardCore
import Synchronization

/// The TLS context of the listeners that share one ``TLSFiles`` pair, replaceable while the
/// server runs: every accepted connection takes the context current at accept time, so a
/// ``reload()`` changes the certificate new connections see and leaves open ones alone.
///
/// The policy is fixed and explicit: TLS 1.2 at least, and for
/// TLS 1.2 only ECDHE key exchange with AEAD ciphers. TLS 1.3 always offers BoringSSL's three
/// suites (`TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`,
/// `TLS_CHACHA20_POLY1305_SHA256`), which BoringSSL does not let anyone configure.
///
/// ```swift
/// let context = try ReloadableTLSContext(files: TLSFiles(certificateChainPath: "cert.pem", privateKeyPath: "key.pem"))
/// // … after the files were replaced on disk:
/// try context.reload()   // throws and keeps the old certificate if the new files are unusable
/// ```
public final class ReloadableTLSContext: Sendable {
    /// The files read by the initialiser and by every ``reload()``.
    public let files: TLSFiles
    // The lock guards only the reference; NIOSSLContext itself is thread-safe.
    private let context: Mutex<NIOSSLContext>

    /// TLS 1.2's cipher suites: ECDHE (forward secrecy) with AES-GCM or ChaCha20-Poly1305,
    /// ECDSA or RSA certificates. No CBC, no static RSA key exchange, no SHA-1 MACs.
    package static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// Loads `files`; throws ``SwitchboardError/Code/invalidConfiguration`` if they cannot be
    /// read or do not belong together.
    public init(files: TLSFiles) throws {
        self.files = files
        context = Mutex(try Self.makeContext(files))
    }

    /// Reads the files again and, if they make a usable context, serves it to every connection
    /// accepted from now on. On failure the error is thrown and the previous context stays.
    public func reload() throws {
        let fresh = try Self.makeContext(files)
        context.withLock { $0 = fresh }
    }

    /// The context for a connection accepted now.
    var current: NIOSSLContext { context.withLock { $0 } }

    /// The server configuration for `files`: the certificate chain and key, TLS 1.2 at least,
    /// ``tls12CipherSuites`` for TLS 1.2.
    package static func serverConfiguration(_ files: TLSFiles) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw SwitchboardError(code: .invalidConfiguration, message: "no certificate in the file") }
            let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuiteValues = tls12CipherSuites
            return configuration
        } catch {
            throw loadError(files, cause: error)
        }
    }

    private static func makeContext(_ files: TLSFiles) throws -> NIOSSLContext {
        let configuration = try serverConfiguration(files)
        do {
            // Fails when the key does not match the leaf certificate.
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw loadError(files, cause: error)
        }
    }

    private static func loadError(_ files: TLSFiles, cause: any Error) -> SwitchboardError {
        SwitchboardError(
            code: .invalidConfiguration,
            message: "cannot load TLS certificate \(files.certificateChainPath) or key \(files.privateKeyPath)",
            cause: cause
        )
    }
}
