import HTTPTypes
import Logging
import NIOCore

extension WebSocketServerTransport {
    /// Why an otherwise valid upgrade on `route` is refused, if it is: a foreign `Origin`
    /// (403, ``OriginPolicy``) or too many upgrades per second from the client's address (429,
    /// ``ConnectionLimits/upgradesPerSecondPerAddress``). Runs on the connection's loop.
    func admissionRefusal(
        _ head: HTTPRequest,
        channel: any Channel,
        listener: WebSocketListener,
        route: WebSocketRoute
    ) -> HTTPResponse.Status? {
        let policy = route.originPolicy ?? listener.originPolicy
        let origin = head.headerFields[.origin]
        if !policy.allows(origin: origin, host: head.authority) {
            configuration.limiter.record(.originRefused)
            logger.notice(
                "refused upgrade: origin not allowed",
                metadata: ["http.origin": "\(origin ?? "")", "listener.name": "\(listener.name)", "route.path": "\(route.pathPattern)"]
            )
            return .forbidden
        }
        if let address = channel.remoteAddress?.ipAddress, !configuration.limiter.admitUpgrade(from: address) {
            return .tooManyRequests
        }
        return nil
    }
}
