import Foundation
import JWTKit

extension JWTTokenVerifier {
    /// The key tokens must be signed with: an HS256 shared secret, or an RS256 / ES256 public
    /// key in PEM form. Each factory checks the key at once and throws a
    /// ``JWTConfigurationError`` saying what is wrong.
    ///
    /// ```swift
    /// let key = try JWTTokenVerifier.Key.hs256(secretFile: "/etc/switchboard/jwt-secret")
    /// let verifier = try await JWTTokenVerifier(key: key, options: .init(audience: "switchboard"))
    /// ```
    public struct Key: Sendable {
        enum Material: Sendable {
            case hs256([UInt8])
            case rs256(Insecure.RSA.PublicKey)
            case es256(ES256PublicKey)
        }

        let material: Material

        /// The JWT `alg` tokens must carry: `HS256`, `RS256` or `ES256`.
        public var algorithm: String {
            switch material {
            case .hs256: "HS256"
            case .rs256: "RS256"
            case .es256: "ES256"
            }
        }

        /// The shortest HS256 secret accepted: 32 bytes, the hash's own size (RFC 7518 §3.2).
        public static let minimumSecretBytes = 32

        /// An HS256 shared secret of at least ``minimumSecretBytes`` bytes.
        public static func hs256(secret: [UInt8]) throws(JWTConfigurationError) -> Key {
            guard secret.count >= minimumSecretBytes else {
                throw JWTConfigurationError("the HS256 secret has \(secret.count) bytes; at least \(minimumSecretBytes) are required")
            }
            return Key(material: .hs256(secret))
        }

        /// An HS256 secret read from a file; one trailing line break (as `echo` writes) is not
        /// part of the secret.
        public static func hs256(secretFile path: String) throws(JWTConfigurationError) -> Key {
            var bytes = try read(path, what: "HS256 secret file")
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            do {
                return try hs256(secret: bytes)
            } catch {
                throw JWTConfigurationError("\(path): \(error.message)")
            }
        }

        /// An RS256 public key (`-----BEGIN PUBLIC KEY-----`, at least 2048 bits).
        public static func rs256(publicKeyPEM pem: String) throws(JWTConfigurationError) -> Key {
            do {
                return Key(material: .rs256(try Insecure.RSA.PublicKey(pem: pem)))
            } catch {
                throw JWTConfigurationError("not an RSA public key of at least 2048 bits in PEM form", cause: error)
            }
        }

        /// An RS256 public key read from a PEM file.
        public static func rs256(publicKeyFile path: String) throws(JWTConfigurationError) -> Key {
            let pem = String(decoding: try read(path, what: "RS256 public key file"), as: UTF8.self)
            do {
                return try rs256(publicKeyPEM: pem)
            } catch {
                throw JWTConfigurationError("\(path): \(error.message)", cause: error.cause)
            }
        }

        /// An ES256 (P-256) public key (`-----BEGIN PUBLIC KEY-----`).
        public static func es256(publicKeyPEM pem: String) throws(JWTConfigurationError) -> Key {
            do {
                return Key(material: .es256(try ES256PublicKey(pem: pem)))
            } catch {
                throw JWTConfigurationError("not a P-256 (ES256) public key in PEM form", cause: error)
            }
        }

        /// An ES256 public key read from a PEM file.
        public static func es256(publicKeyFile path: String) throws(JWTConfigurationError) -> Key {
            let pem = String(decoding: try read(path, what: "ES256 public key file"), as: UTF8.self)
            do {
                return try es256(publicKeyPEM: pem)
            } catch {
                throw JWTConfigurationError("\(path): \(error.message)", cause: error.cause)
            }
        }

        private static func read(_ path: String, what: String) throws(JWTConfigurationError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw JWTConfigurationError("cannot read the \(what) \(path)")
            }
            return [UInt8](data)
        }

        /// The key in a jwt-kit collection, as its one default key.
        func collection() async -> JWTKeyCollection {
            let keys = JWTKeyCollection()
            switch material {
            case .hs256(let secret): await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            case .rs256(let key): await keys.add(rsa: key, digestAlgorithm: .sha256)
            case .es256(let key): await keys.add(ecdsa: key)
            }
            return keys
        }
    }
}
