public import Logging
import SwitchboardCore

extension SiyiServer {
    /// The server of the original's README, as `switchboard serve` runs it on `--siyi-port`:
    ///
    /// - asks every new peer `get_status` on connect and logs the answer (here it is answered:
    ///   the original's example always timed out);
    /// - answers `echo` with the request's `params` as `data`;
    /// - answers any other command with `status:"error"`, `error:"unknown command <name>"`;
    /// - on a `player_update` event, broadcasts `player_updated_notification` with the same
    ///   data to every other peer.
    ///
    /// ```swift
    /// let server = SiyiServer.readmeDemo(logger: logger)
    /// try await server.run(on: transport)
    /// ```
    public static func readmeDemo(configuration: Configuration = .default, logger: Logger) -> SiyiServer {
        let server = SiyiServer(configuration: configuration, logger: logger)
        server.register("echo") { params, _ in params }
        server.onEvent("player_update") { [unowned server] data, peer in
            let count = (try? server.broadcast(event: "player_updated_notification", data: data, excluding: [peer])) ?? 0
            logger.info("player_update relayed", metadata: ["siyi.peer": "\(peer.id.rawValue)", "siyi.recipients": "\(count)"])
        }
        server.onConnect { [unowned server] peer in
            do {
                let status = try await server.send(request: "get_status", to: peer)
                logger.info("get_status answered", metadata: [
                    "siyi.peer": "\(peer.id.rawValue)", "siyi.status": "\(status.status)",
                    "siyi.data": "\(status.data.encoded(.compact))",
                ])
            } catch {
                logger.info("get_status not answered", metadata: ["siyi.peer": "\(peer.id.rawValue)", "error": "\(error)"])
            }
        }
        return server
    }
}
