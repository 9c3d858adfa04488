import ArgumentParser
import CrossComm
import Foundation
import Logging

/// `serve --files-…`: the CrossComm file store's bucket, credentials, quotas and expiry
/// (`Protocols.md` §5.7). Flags win over the `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and
/// `OSS_BUCKET_NAME` variables a pywayne user already sets.
struct FilesOptions: ParsableArguments {
    @Option(name: .customLong("files-access-key-id"), help: "Access key id file store requests must be signed with (OSS V1 signatures; default: $OSS_ACCESS_KEY_ID; none: the store is open).")
    var accessKeyID: String?

    @Option(name: .customLong("files-access-key-secret"), help: "Secret for --files-access-key-id (default: $OSS_ACCESS_KEY_SECRET).")
    var accessKeySecret: String?

    @Option(name: .customLong("files-bucket"), help: "Bucket the file store answers for at /<bucket>/<key> (default: $OSS_BUCKET_NAME, else switchboard).")
    var bucket: String?

    @Option(name: .customLong("files-max-object-bytes"), help: "Largest object (413 EntityTooLarge beyond).")
    var maxObjectBytes: Int64 = 4 << 30

    @Option(name: .customLong("files-quota-bytes"), help: "Most bytes stored in all (507 QuotaExceeded beyond).")
    var quotaBytes: Int64 = 16 << 30

    @Option(name: .customLong("files-client-quota-bytes"), help: "Most bytes stored under one client's keys, cross_comm/<client>/… (413 ClientQuotaExceeded beyond).")
    var clientQuotaBytes: Int64 = 4 << 30

    @Option(name: .customLong("files-max-age"), help: "Seconds an object is kept after its upload (0 = forever).")
    var maxAge: Double = 7 * 86_400

    func validate() throws {
        if maxObjectBytes < 1 || quotaBytes < 1 || clientQuotaBytes < 1 { throw ValidationError("--files-*-bytes must be positive") }
        if maxAge < 0 { throw ValidationError("--files-max-age must not be negative") }
        let credentials = resolvedCredentials(environment: ProcessInfo.processInfo.environment)
        if (accessKeyID == nil) != (accessKeySecret == nil), credentials == nil {
            throw ValidationError("--files-access-key-id and --files-access-key-secret go together")
        }
        let name = resolvedBucket(environment: ProcessInfo.processInfo.environment)
        if name == "files" || name.isEmpty || name.contains("/") {
            throw ValidationError("--files-bucket must be a bucket name other than 'files'")
        }
    }

    func resolvedCredentials(environment: [String: String]) -> CrossCommOSSCredentials? {
        guard let id = accessKeyID ?? environment["OSS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = accessKeySecret ?? environment["OSS_ACCESS_KEY_SECRET"], !secret.isEmpty else { return nil }
        return CrossCommOSSCredentials(accessKeyID: id, accessKeySecret: secret)
    }

    func resolvedBucket(environment: [String: String]) -> String {
        bucket ?? environment["OSS_BUCKET_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "switchboard"
    }

    /// The store's configuration from the flags and the environment.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) -> CrossCommFileStore.Configuration {
        CrossCommFileStore.Configuration(
            bucket: resolvedBucket(environment: environment),
            credentials: resolvedCredentials(environment: environment),
            maxObjectBytes: maxObjectBytes,
            quotaBytes: quotaBytes,
            clientQuotaBytes: clientQuotaBytes,
            maxAge: maxAge > 0 ? maxAge : nil
        )
    }

    /// Says whether the store is signed or open (an open store on a non-loopback address is a warning).
    func announce(host: String, filesOn: Bool, logger: Logger) {
        guard filesOn else { return }
        let configuration = configuration()
        if let credentials = configuration.credentials {
            logger.info("file store: requests must be signed", metadata: ["bucket": "\(configuration.bucket)", "access_key_id": "\(credentials.accessKeyID)"])
        } else if !["127.0.0.1", "::1", "localhost"].contains(host) {
            logger.warning("file store: no --files-access-key-id: anyone who reaches its port may read and write files")
        }
    }
}
