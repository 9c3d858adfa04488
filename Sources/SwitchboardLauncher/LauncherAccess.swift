public import SwitchboardWebSocket

/// Which browser pages may use the launcher's endpoint (`POST <endpoint>`, `GET`/`DELETE
/// <endpoint><id>`), which answers with the sessions' secrets.
///
/// A request without `Origin` (SmartConnect from Python, `curl`) or from a page
/// ``originPolicy`` allows is answered as always; any other gets `403 {"error": "Origin … is not
/// allowed"}` and never reaches the session manager, so a page on another site can neither
/// read a secret nor start processes. With ``cors``, pages of its origins may also read the
/// answers across origins (preflights 204, other origins' preflights 403). Static content and
/// the session proxy are not affected (a session checks its own WebSocket upgrades).
///
/// ```swift
/// let access = LauncherAccess(originPolicy: OriginPolicy(allowed: [.loopback, .exact("https://app.example.com")]),
///                             cors: .launcher(origins: ["https://app.example.com"]))
/// let server = LauncherServer(configuration: config, access: access, logger: logger)
/// ```
public struct LauncherAccess: Sendable {
    /// Origins allowed to use the endpoint; by default the same host and loopback pages.
    public var originPolicy: OriginPolicy
    /// Cross-origin reading of the endpoint's answers, if any (none by default).
    public var cors: CORSPolicy?

    /// Creates an access policy.
    public init(originPolicy: OriginPolicy = .default, cors: CORSPolicy? = nil) {
        self.originPolicy = originPolicy
        self.cors = cors
    }
}
