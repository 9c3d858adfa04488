/// An access key pair in Aliyun OSS's form: the id travels in each request's
/// `Authorization: OSS <id>:<signature>` header, the secret only keys the HMAC-SHA1 signature.
///
/// The hub's file store checks requests against one pair (`switchboard serve
/// --files-access-key-id ID --files-access-key-secret SECRET`, or the `OSS_ACCESS_KEY_ID` /
/// `OSS_ACCESS_KEY_SECRET` variables a pywayne user already sets); a Swift client signs with
/// the same pair. The secret is never logged or shown in `description`.
public struct CrossCommOSSCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The public part, `OSS_ACCESS_KEY_ID`.
    public var accessKeyID: String
    /// The secret part, `OSS_ACCESS_KEY_SECRET`.
    public var accessKeySecret: String

    /// Creates a key pair.
    public init(accessKeyID: String, accessKeySecret: String) {
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
    }

    /// `OSS <id>:***`: never the secret.
    public var description: String { "OSS \(accessKeyID):***" }
}
