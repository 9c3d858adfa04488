import ArgumentParser
import Foundation
import CrossComm
import Logging
import Siyi
import SwitchboardApplication
import SwitchboardAuth
import SwitchboardCore
import WSLink

/// `serve --auth …`: opt-in authenticated identities (`Protocols.md` §9). Off by default, so
/// the original clients keep working; on, the chosen protocols take only bearer tokens (JWTs)
/// signed with the one configured key.
struct AuthOptions: ParsableArguments {
    /// A protocol that can require tokens.
    enum Protected: String, CaseIterable, Comparable {
        case wslink, crosscomm, siyi
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    @Option(name: .customLong("auth"), help: "Require bearer tokens (JWTs) on these protocols: a comma-separated list of wslink, crosscomm, siyi, or all (default: none, as the originals).")
    var auth: String?

    @Option(name: .customLong("jwt-hs256-secret-file"), help: "File holding the HS256 secret (at least 32 bytes; one trailing newline is ignored).")
    var hs256SecretFile: String?

    @Option(name: .customLong("jwt-rs256-public-key"), help: "PEM file of the RS256 public key (at least 2048 bits).")
    var rs256PublicKey: String?

    @Option(name: .customLong("jwt-es256-public-key"), help: "PEM file of the ES256 (P-256) public key.")
    var es256PublicKey: String?

    @Option(name: .customLong("jwt-audience"), help: "Tokens must name this audience in aud.")
    var audience: String?

    @Option(name: .customLong("jwt-issuer"), help: "Tokens must carry this iss.")
    var issuer: String?

    @Flag(name: .customLong("jwt-require-exp"), help: "Refuse tokens without exp.")
    var requireExpiry = false

    @Option(name: .customLong("jwt-leeway"), help: "Seconds of clock skew tolerated on exp and nbf.")
    var leeway: Double = 60

    /// The protocols `--auth` names (empty without it).
    func protectedProtocols() throws -> Set<Protected> {
        guard let auth else { return [] }
        var protected: Set<Protected> = []
        for name in auth.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            if name == "all" {
                protected.formUnion(Protected.allCases)
            } else if let one = Protected(rawValue: name) {
                protected.insert(one)
            } else {
                throw ValidationError("--auth takes wslink, crosscomm, siyi or all, not \"\(name)\"")
            }
        }
        guard !protected.isEmpty else { throw ValidationError("--auth names no protocol") }
        return protected
    }

    /// The one configured key, checked (file readable, secret long enough, PEM parsable).
    func key() throws -> JWTTokenVerifier.Key? {
        let given = [hs256SecretFile, rs256PublicKey, es256PublicKey].compactMap { $0 }
        guard !given.isEmpty else { return nil }
        guard given.count == 1 else {
            throw ValidationError("give one of --jwt-hs256-secret-file, --jwt-rs256-public-key, --jwt-es256-public-key")
        }
        do {
            if let hs256SecretFile { return try .hs256(secretFile: hs256SecretFile) }
            if let rs256PublicKey { return try .rs256(publicKeyFile: rs256PublicKey) }
            return try .es256(publicKeyFile: es256PublicKey ?? "")
        } catch {
            throw ValidationError("JWT key: \(error)")
        }
    }

    func validate() throws {
        let protected = try protectedProtocols()
        let jwtFlags = [hs256SecretFile, rs256PublicKey, es256PublicKey, audience, issuer].contains { $0 != nil } || requireExpiry
        if protected.isEmpty, jwtFlags {
            throw ValidationError("the --jwt-… options take effect only with --auth")
        }
        let key = try key()
        if !protected.isEmpty, key == nil {
            throw ValidationError("--auth needs a key: --jwt-hs256-secret-file, --jwt-rs256-public-key or --jwt-es256-public-key")
        }
        guard leeway >= 0, leeway.isFinite else { throw ValidationError("--jwt-leeway must be a non-negative number of seconds") }
    }

    /// Installs the verifier on the protocols `--auth` names. siyi's server is made anew
    /// with it (`makeSiyi`), since a server's configuration is fixed when it is made.
    func apply(
        to configuration: inout SwitchboardApplication.Configuration,
        siyi siyiConfiguration: SiyiServer.Configuration,
        logger: Logger
    ) async throws {
        let protected = try protectedProtocols()
        guard !protected.isEmpty, let key = try key() else { return }
        let verifier: JWTTokenVerifier
        do {
            verifier = try await JWTTokenVerifier(
                key: key,
                options: .init(audience: audience, issuer: issuer, requireExpiry: requireExpiry, leeway: leeway)
            )
        } catch {
            throw ValidationError("JWT key: \(error)")
        }
        if protected.contains(.wslink) { configuration.wslink?.configuration.tokenVerifier = verifier }
        if protected.contains(.crosscomm) { configuration.crossComm?.configuration.tokenVerifier = verifier }
        if protected.contains(.siyi), configuration.siyi != nil {
            var siyi = siyiConfiguration
            siyi.tokenVerifier = verifier
            configuration.siyi?.server = SiyiServer.readmeDemo(configuration: siyi, logger: logger)
        }
        logger.notice("authenticated identities on", metadata: [
            "auth.protocols": "\(protected.sorted().map(\.rawValue).joined(separator: ","))",
            "auth.algorithm": "\(key.algorithm)",
        ])
    }
}
