import Foundation
import JWTKit
@testable import SwitchboardAuth

/// Builds signed tokens with arbitrary headers and payloads for the verifier's tests, signing
/// with jwt-kit's own algorithms.
struct TokenFactory {
    let algorithm: any JWTAlgorithm
    let name: String

    static func hs256(_ secret: String) async throws -> TokenFactory {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return TokenFactory(algorithm: try await keys.getKey(), name: "HS256")
    }

    static func rs256(privatePEM: String) async throws -> TokenFactory {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: privatePEM), digestAlgorithm: .sha256)
        return TokenFactory(algorithm: try await keys.getKey(), name: "RS256")
    }

    static func es256(_ key: ES256PrivateKey) async throws -> TokenFactory {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key)
        return TokenFactory(algorithm: try await keys.getKey(), name: "ES256")
    }

    /// `header.payload.signature` for a payload given as JSON text.
    func token(_ payload: String, alg: String? = nil) throws -> String {
        let header = Base64URL.encode(Array(#"{"alg":"\#(alg ?? name)","typ":"JWT"}"#.utf8))
        let input = header + "." + Base64URL.encode(Array(payload.utf8))
        let signature = try algorithm.sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }
}
