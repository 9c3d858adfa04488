import ArgumentParser
import CrossComm
import Foundation

/// The file store a CLI CrossComm client uploads to and downloads from (Protocols.md §5.7).
/// Like pywayne, the key pair and bucket default to `OSS_ACCESS_KEY_ID`,
/// `OSS_ACCESS_KEY_SECRET` and `OSS_BUCKET_NAME`.
struct CrossCommFileStoreOptions: ParsableArguments {
    @Option(name: .customLong("file-store"), help: "The hub's file store, e.g. http://127.0.0.1:9899 (needed for file, image and folder messages).")
    var url: String?

    @Option(name: .customLong("file-store-access-key-id"), help: "Key id to sign file requests with (default: $OSS_ACCESS_KEY_ID).")
    var accessKeyID: String?

    @Option(name: .customLong("file-store-access-key-secret"), help: "Secret for --file-store-access-key-id (default: $OSS_ACCESS_KEY_SECRET).")
    var accessKeySecret: String?

    @Option(name: .customLong("file-store-bucket"), help: "The store's bucket (default: $OSS_BUCKET_NAME, else switchboard).")
    var bucket: String?

    /// Sets the file store fields of a client configuration.
    func apply(to configuration: inout CrossCommClient.Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) {
        configuration.fileStoreURL = url
        if let id = accessKeyID ?? environment["OSS_ACCESS_KEY_ID"], !id.isEmpty,
           let secret = accessKeySecret ?? environment["OSS_ACCESS_KEY_SECRET"], !secret.isEmpty {
            configuration.fileStoreCredentials = CrossCommOSSCredentials(accessKeyID: id, accessKeySecret: secret)
        }
        configuration.fileStoreBucket = bucket ?? environment["OSS_BUCKET_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "switchboard"
    }
}
