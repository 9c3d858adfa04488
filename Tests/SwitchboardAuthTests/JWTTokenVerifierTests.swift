import Foundation
import JWTKit
import SwitchboardCore
import Testing
@testable import SwitchboardAuth

/// The JWT verifier: what it accepts, and every reason it refuses.
@Suite struct JWTTokenVerifierTests {
    static let secret = "0123456789abcdef0123456789abcdef"
    static let now: Double = 1_800_000_000

    private func hs256(_ options: JWTTokenVerifier.Options = .init()) async throws -> JWTTokenVerifier {
        try await JWTTokenVerifier(key: .hs256(secret: Array(Self.secret.utf8)), options: options, now: { Self.now })
    }

    private func refusal(_ verifier: JWTTokenVerifier, _ token: String) -> TokenVerificationError.Code? {
        do {
            _ = try verifier.verify(token)
            return nil
        } catch let error as TokenVerificationError {
            #expect(!error.message.contains(token))
            return error.code
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func acceptsAGoodTokenAndKeepsItsClaims() async throws {
        let factory = try await TokenFactory.hs256(Self.secret)
        let token = try factory.token(#"{"sub":"alice","exp":1800000100,"role":"admin","n":[1,2]}"#)
        let verified = try await hs256().verify(token)
        #expect(verified.subject == "alice")
        #expect(verified.expiresAt == 1_800_000_100)
        #expect(verified[claim: "role"] == .string("admin"))
        #expect(verified[claim: "n"] == .array([.integer(1), .integer(2)]))
    }

    @Test func refusesAForgedToken() async throws {
        let forger = try await TokenFactory.hs256("another-secret-of-at-least-32-bytes!")
        let verifier = try await hs256()
        #expect(refusal(verifier, try forger.token(#"{"sub":"alice"}"#)) == .badSignature)
        // A genuine token whose payload was swapped keeps a signature that no longer matches.
        let genuine = try await TokenFactory.hs256(Self.secret).token(#"{"sub":"alice"}"#)
        let parts = genuine.split(separator: ".")
        let swapped = [String(parts[0]), Base64URL.encode(Array(#"{"sub":"mallory"}"#.utf8)), String(parts[2])].joined(separator: ".")
        #expect(refusal(verifier, swapped) == .badSignature)
    }

    @Test func refusesMalformedTokensAndAlgNone() async throws {
        let verifier = try await hs256()
        #expect(refusal(verifier, "") == .missing)
        #expect(refusal(verifier, "abc") == .malformed)
        #expect(refusal(verifier, "a.b.c.d") == .malformed)
        #expect(refusal(verifier, "!!.e30.sig") == .malformed)
        #expect(refusal(verifier, Base64URL.encode(Array("[1]".utf8)) + ".e30.") == .malformed)
        #expect(refusal(verifier, String(repeating: "a", count: 9000)) == .malformed)
        let none = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(Array(#"{"sub":"alice"}"#.utf8)) + "."
        #expect(refusal(verifier, none) == .unsupportedAlgorithm)
        let factory = try await TokenFactory.hs256(Self.secret)
        #expect(refusal(verifier, try factory.token(#"{"sub":"alice"}"#, alg: "HS512")) == .unsupportedAlgorithm)
        #expect(refusal(verifier, try factory.token(#"{"sub":"alice","exp":"soon"}"#)) == .malformed)
    }

    @Test func checksExpiryWithLeeway() async throws {
        let factory = try await TokenFactory.hs256(Self.secret)
        let verifier = try await hs256(.init(leeway: 30))
        #expect(refusal(verifier, try factory.token(#"{"sub":"a","exp":1799999960}"#)) == .expired)
        #expect(try verifier.verify(try factory.token(#"{"sub":"a","exp":1799999990}"#)).subject == "a")
        #expect(try verifier.verify(try factory.token(#"{"sub":"a"}"#)).expiresAt == nil)
        let strict = try await hs256(.init(requireExpiry: true, leeway: 0))
        #expect(refusal(strict, try factory.token(#"{"sub":"a"}"#)) == .missingExpiry)
        #expect(refusal(strict, try factory.token(#"{"sub":"a","exp":1800000000}"#)) == .expired)
    }

    @Test func checksNotBefore() async throws {
        let factory = try await TokenFactory.hs256(Self.secret)
        let verifier = try await hs256(.init(leeway: 10))
        #expect(refusal(verifier, try factory.token(#"{"sub":"a","nbf":1800000011}"#)) == .notYetValid)
        #expect(try verifier.verify(try factory.token(#"{"sub":"a","nbf":1800000009.5}"#)).subject == "a")
    }

    @Test func checksAudienceAndIssuer() async throws {
        let factory = try await TokenFactory.hs256(Self.secret)
        let verifier = try await hs256(.init(audience: "switchboard", issuer: "auth.example"))
        #expect(try verifier.verify(try factory.token(#"{"sub":"a","aud":"switchboard","iss":"auth.example"}"#)).subject == "a")
        #expect(try verifier.verify(try factory.token(#"{"sub":"a","aud":["x","switchboard"],"iss":"auth.example"}"#)).subject == "a")
        #expect(refusal(verifier, try factory.token(#"{"sub":"a","aud":"other","iss":"auth.example"}"#)) == .wrongAudience)
        #expect(refusal(verifier, try factory.token(#"{"sub":"a","iss":"auth.example"}"#)) == .wrongAudience)
        #expect(refusal(verifier, try factory.token(#"{"sub":"a","aud":"switchboard","iss":"evil"}"#)) == .wrongIssuer)
        #expect(refusal(verifier, try factory.token(#"{"aud":"switchboard","iss":"auth.example"}"#)) == .missingSubject)
        #expect(refusal(verifier, try factory.token(#"{"sub":"","aud":"switchboard","iss":"auth.example"}"#)) == .missingSubject)
    }

    @Test func refusesAShortSecretAndBadKeyFiles() async throws {
        #expect(throws: JWTConfigurationError.self) { try JWTTokenVerifier.Key.hs256(secret: Array("too-short".utf8)) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let short = directory.appendingPathComponent("short").path
        try "31-bytes-secret-is-not-enough!!\n".write(toFile: short, atomically: true, encoding: .utf8)
        let error = #expect(throws: JWTConfigurationError.self) { try JWTTokenVerifier.Key.hs256(secretFile: short) }
        #expect(error?.message.contains("at least 32") == true)
        let good = directory.appendingPathComponent("good").path
        try (Self.secret + "\n").write(toFile: good, atomically: true, encoding: .utf8)
        let verifier = try await JWTTokenVerifier(key: .hs256(secretFile: good), now: { Self.now })
        #expect(try verifier.verify(try await TokenFactory.hs256(Self.secret).token(#"{"sub":"a"}"#)).subject == "a")
        #expect(throws: JWTConfigurationError.self) { try JWTTokenVerifier.Key.hs256(secretFile: directory.appendingPathComponent("missing").path) }
        #expect(throws: JWTConfigurationError.self) { try JWTTokenVerifier.Key.rs256(publicKeyFile: good) }
        #expect(throws: JWTConfigurationError.self) { try JWTTokenVerifier.Key.es256(publicKeyPEM: TestKeys.rsaPublic) }
        await #expect(throws: JWTConfigurationError.self) {
            _ = try await JWTTokenVerifier(key: .hs256(secret: Array(Self.secret.utf8)), options: .init(leeway: -1))
        }
    }

    @Test func verifiesRS256WithAPublicKeyFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rs256-\(UUID().uuidString).pem").path
        try TestKeys.rsaPublic.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let verifier = try await JWTTokenVerifier(key: .rs256(publicKeyFile: file), now: { Self.now })
        #expect(verifier.algorithmName == "RS256")
        let factory = try await TokenFactory.rs256(privatePEM: TestKeys.rsaPrivate)
        let token = try factory.token(#"{"sub":"bob","exp":1800000100}"#)
        #expect(try verifier.verify(token).subject == "bob")
        var tampered = Array(token.utf8)
        tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(refusal(verifier, String(decoding: tampered, as: UTF8.self)) == .badSignature)
        // An HS256 token made with the public key as its secret (the classic confusion) is refused.
        let confused = try await TokenFactory.hs256(TestKeys.rsaPublic).token(#"{"sub":"bob"}"#)
        #expect(refusal(verifier, confused) == .unsupportedAlgorithm)
    }

    @Test func verifiesES256WithAGeneratedKey() async throws {
        let privateKey = ES256PrivateKey()
        let verifier = try await JWTTokenVerifier(key: .es256(publicKeyPEM: privateKey.publicKey.pemRepresentation), now: { Self.now })
        let token = try await TokenFactory.es256(privateKey).token(#"{"sub":"carol","aud":"x"}"#)
        #expect(try verifier.verify(token).subject == "carol")
        let stranger = try await TokenFactory.es256(ES256PrivateKey()).token(#"{"sub":"carol"}"#)
        #expect(refusal(verifier, stranger) == .badSignature)
    }
}
