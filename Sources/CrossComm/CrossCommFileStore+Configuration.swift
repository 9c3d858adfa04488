public import Foundation

extension CrossCommFileStore {
    /// The store's bucket, credentials, limits and expiry (Protocols.md §5.7).
    public struct Configuration: Sendable {
        /// The one bucket the store answers for (`OSS_BUCKET_NAME`); other buckets get 404
        /// `NoSuchBucket`. Must not be `files` (Switchboard's own API lives there).
        public var bucket: String
        /// The key pair every request must be signed with; `nil` leaves the store open to
        /// anyone who can reach its port (as before credentials existed).
        public var credentials: CrossCommOSSCredentials?
        /// Largest object: bigger uploads get 413 `EntityTooLarge`.
        public var maxObjectBytes: Int64
        /// Most bytes stored in all: an upload that would pass it gets 507 `QuotaExceeded`.
        public var quotaBytes: Int64
        /// Most bytes stored under one client's keys (``CrossCommFileStore/client(of:)``):
        /// an upload that would pass it gets 413 `ClientQuotaExceeded`.
        public var clientQuotaBytes: Int64
        /// Objects older than this (since their upload) are gone: 404 and deleted, lazily on
        /// access and on each upload's sweep. `nil`: kept forever.
        public var maxAge: TimeInterval?

        /// Creates a configuration; the defaults are `switchboard serve`'s (4 GiB per object,
        /// 16 GiB in all, 4 GiB per client, 7 days).
        public init(
            bucket: String = "switchboard",
            credentials: CrossCommOSSCredentials? = nil,
            maxObjectBytes: Int64 = 4 << 30,
            quotaBytes: Int64 = 16 << 30,
            clientQuotaBytes: Int64 = 4 << 30,
            maxAge: TimeInterval? = 7 * 86_400
        ) {
            self.bucket = bucket
            self.credentials = credentials
            self.maxObjectBytes = maxObjectBytes
            self.quotaBytes = quotaBytes
            self.clientQuotaBytes = clientQuotaBytes
            self.maxAge = maxAge
        }
    }
}
