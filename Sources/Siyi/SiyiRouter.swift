public import SwitchboardCore

/// Answers a request: gets `params` (an object or `.null`) and the peer, returns the
/// response `data`. Throwing answers with `status:"error"` (see ``SiyiError/failure(_:)``).
public typealias SiyiRequestHandler = @Sendable (_ params: JSONValue, _ peer: SiyiPeer) async throws -> JSONValue

/// A request handler that runs inline on the connection's event loop (it is not `async`):
/// keep it short and non-blocking.
public typealias SiyiSyncRequestHandler = @Sendable (_ params: JSONValue, _ peer: SiyiPeer) throws -> JSONValue

/// Answers requests no command handler claims; gets the whole request.
public typealias SiyiFallbackHandler = @Sendable (_ request: SiyiRequest, _ peer: SiyiPeer) async throws -> JSONValue

/// Receives an event's `data` (an object or `.null`). Events are never answered.
public typealias SiyiEventHandler = @Sendable (_ data: JSONValue, _ peer: SiyiPeer) async -> Void

/// Receives events no named handler claims; gets the whole event.
public typealias SiyiEventFallbackHandler = @Sendable (_ event: SiyiEvent, _ peer: SiyiPeer) async -> Void

/// The handler table shared by ``SiyiServer`` and ``SiyiClient``: one handler per command,
/// one per event name, and fallbacks for the rest.
struct SiyiRouter: Sendable {
    var commands: [String: SiyiRequestHandler] = [:]
    var syncCommands: [String: SiyiSyncRequestHandler] = [:]
    var fallback: SiyiFallbackHandler?
    var events: [String: SiyiEventHandler] = [:]
    var eventFallback: SiyiEventFallbackHandler?

    /// The response when it can be made without suspending: a synchronous handler's, or the
    /// `unknown command` answer; `nil` when an async handler must run.
    func respondSynchronously(to request: SiyiRequest, from peer: SiyiPeer) -> SiyiResponse? {
        if let handler = syncCommands[request.command] {
            do {
                return .success(id: request.id, data: try handler(request.params, peer))
            } catch {
                return .failure(id: request.id, message: SiyiError.responseText(for: error))
            }
        }
        if commands[request.command] == nil && fallback == nil {
            return .failure(id: request.id, message: "unknown command \(request.command)")
        }
        return nil
    }

    /// Runs the matching handler and turns its result or error into the response. Without a
    /// handler or fallback the answer is `unknown command <name>`.
    func respond(to request: SiyiRequest, from peer: SiyiPeer) async -> SiyiResponse {
        if let response = respondSynchronously(to: request, from: peer) { return response }
        do {
            let data: JSONValue
            if let handler = commands[request.command] {
                data = try await handler(request.params, peer)
            } else if let fallback {
                data = try await fallback(request, peer)
            } else {
                throw SiyiError.failure("unknown command \(request.command)")
            }
            return .success(id: request.id, data: data)
        } catch {
            return .failure(id: request.id, message: SiyiError.responseText(for: error))
        }
    }

    /// Runs the matching event handler, if any.
    func deliver(_ event: SiyiEvent, from peer: SiyiPeer) async {
        if let handler = events[event.name] {
            await handler(event.data, peer)
        } else if let eventFallback {
            await eventFallback(event, peer)
        }
    }
}
