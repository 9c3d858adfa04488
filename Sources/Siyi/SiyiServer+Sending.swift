public import SwitchboardCore

extension SiyiServer {
    /// Sends a request to `peer` and waits for its response. Error responses are returned as
    /// values; throws ``SiyiError`` `.notConnected` (peer gone), `.timeout` (default
    /// ``Configuration/requestTimeout``), `.connectionClosed` (the peer left while waiting:
    /// at once, not at the timeout) or `.invalidArgument` (`params` not an object or null).
    ///
    /// ```swift
    /// let status = try await server.send(request: "get_status", to: peer, timeout: .seconds(5))
    /// ```
    public func send(
        request command: String,
        params: JSONValue = .null,
        to peer: SiyiPeer,
        timeout: Duration? = nil
    ) async throws -> SiyiResponse {
        guard let member = member(peer) else {
            throw SiyiError(code: .notConnected, message: "\(peer) is not connected")
        }
        return try await member.channel.request(SiyiRequest(command: command, params: params), timeout: timeout)
    }

    /// Sends an event to `peer`, waiting for room in its outbound queue.
    public func send(event name: String, data: JSONValue = .null, to peer: SiyiPeer) async throws {
        guard let member = member(peer) else {
            throw SiyiError(code: .notConnected, message: "\(peer) is not connected")
        }
        try await member.channel.send(SiyiEvent(name: name, data: data))
    }

    /// Sends one event — one id, as the original — to every peer except `excluded` (in a
    /// cluster, also to every peer of every other node), without
    /// waiting for any of them (each peer's bounded queue absorbs it). Returns how many peers
    /// took it. Throws only for `data` that is not an object or null.
    @discardableResult
    public func broadcast(event name: String, data: JSONValue = .null, excluding excluded: Set<SiyiPeer> = []) throws(SiyiError) -> Int {
        try SiyiCoding.requireObjectOrNull(data, "event data")
        let frame = Frame.text(SiyiMessage.event(SiyiEvent(name: name, data: data)).encoded())
        forwardToCluster(frame)
        return SessionManager.deliver(frame, to: members(excluding: excluded).map(\.session)).delivered
    }

    /// Sends the request to every peer except `excluded` concurrently, each with its own id,
    /// and waits for all answers (up to the timeout). Never throws: each peer maps to its
    /// response (error responses included) or the error it ended in (`.timeout`,
    /// `.connectionClosed`, `.invalidArgument`). Empty when no peer is connected.
    ///
    /// ```swift
    /// for (peer, result) in await server.broadcast(request: "who", timeout: .seconds(2)) {
    ///     print(peer, (try? result.get())?.data ?? .null)
    /// }
    /// ```
    public func broadcast(
        request command: String,
        params: JSONValue = .null,
        timeout: Duration? = nil,
        excluding excluded: Set<SiyiPeer> = []
    ) async -> [SiyiPeer: Result<SiyiResponse, SiyiError>] {
        await withTaskGroup(of: (SiyiPeer, Result<SiyiResponse, SiyiError>).self) { group in
            for member in members(excluding: excluded) {
                group.addTask {
                    let peer = member.channel.peer
                    do {
                        return (peer, .success(try await member.channel.request(SiyiRequest(command: command, params: params), timeout: timeout)))
                    } catch let error as SiyiError {
                        return (peer, .failure(error))
                    } catch {
                        return (peer, .failure(SiyiError(code: .connectionClosed, message: "\(error)", cause: error)))
                    }
                }
            }
            var results: [SiyiPeer: Result<SiyiResponse, SiyiError>] = [:]
            for await (peer, result) in group { results[peer] = result }
            return results
        }
    }
}
