public import Logging
public import SwitchboardCore
import ServiceLifecycle
import Synchronization

/// A siyi server: typed handlers per command and per event name, requests and events to any
/// peer, broadcasts, and the protocol's heartbeat — wire-compatible with `siyi-py-protocol`'s
/// `ProtocolServer`, without its blocking receive loop.
///
/// It is a `ProtocolAdapter` named `siyi`: install it in a `SwitchboardServer` (as
/// `switchboard serve` does), or let ``run(on:)`` run one for it.
///
/// ```swift
/// let server = SiyiServer(logger: logger)
/// server.register("echo") { params, _ in params }
/// server.onEvent("player_update") { data, peer in
///     try? server.broadcast(event: "player_updated_notification", data: data, excluding: [peer])
/// }
/// server.onConnect { peer in
///     let status = try? await server.send(request: "get_status", to: peer)
///     print(status?.data ?? .null)
/// }
/// let transport = WebSocketServerTransport(configuration: …, logger: logger)  // port 8765, route "*" → "siyi"
/// try await server.run(on: transport)   // until server.stop()
/// ```
///
/// Handlers run concurrently (up to ``Configuration/maxInFlightPerPeer`` per peer), so
/// responses may come back in a different order than the requests; a request sent from
/// `onConnect` or from inside a handler is answered. Each peer has its own pending-request
/// table, and its pending requests fail at once when it disconnects.
public final class SiyiServer: ProtocolAdapter, SiyiEndpoint {
    struct Member: Sendable {
        let channel: SiyiChannel
        let session: Session
    }

    private struct State {
        var members: [ConnectionID: Member] = [:]
        var stopped = false
        var running: ServiceGroup?
        var onConnect: (@Sendable (SiyiPeer) async -> Void)?
        var onDisconnect: (@Sendable (SiyiPeer) async -> Void)?
    }

    /// `siyi`: the adapter name routes use.
    public let name = "siyi"
    /// The configuration in force.
    public let configuration: Configuration
    /// The request and event handlers (see ``SiyiEndpoint``).
    public let handlers: SiyiHandlerTable
    let logger: Logger
    private let state = Mutex(State())
    private let changes = ChangeNotifier()
    /// The cluster's broker once ``attach(cluster:)`` was called (see `SiyiServer+Cluster.swift`).
    let broker = Mutex<(any Broker)?>(nil)

    /// Creates a server with no handlers: every request is answered `unknown command <name>`
    /// until handlers are registered.
    public init(configuration: Configuration = .default, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.handlers = SiyiHandlerTable(logger: logger)
    }

    /// The connected peers, in connection order.
    public var peers: [SiyiPeer] {
        state.withLock { $0.members.values.map(\.channel.peer) }.sorted { $0.id < $1.id }
    }

    /// Number of connected peers.
    public var peerCount: Int { state.withLock { $0.members.count } }

    /// Requests this server sent to `peer` that still await a response (0 once it left).
    public func pendingRequestCount(for peer: SiyiPeer) -> Int {
        member(peer)?.channel.pendingCount ?? 0
    }

    /// Requests and events from `peer` whose handlers are running.
    public func handlersInFlight(for peer: SiyiPeer) -> Int {
        member(peer)?.channel.handlersInFlight ?? 0
    }

    /// Runs `handler` for every new peer, concurrently with its receive loop (so requests it
    /// sends to the peer complete). Replaces an earlier handler.
    public func onConnect(_ handler: @escaping @Sendable (SiyiPeer) async -> Void) {
        state.withLock { $0.onConnect = handler }
    }

    /// Runs `handler` after a peer has gone (its pending requests have already failed).
    public func onDisconnect(_ handler: @escaping @Sendable (SiyiPeer) async -> Void) {
        state.withLock { $0.onDisconnect = handler }
    }

    /// A handler for one new connection (called by `SwitchboardServer` on the connection's
    /// event loop): registers the peer and runs `onConnect` for it as user work.
    public func makeHandler(for session: Session) -> any ConnectionHandler {
        if let refused = refuseUnauthenticated(session) { return refused }
        let peer = SiyiPeer(session.info)
        let channel = SiyiChannel(
            peer: peer,
            outbound: .session(session),
            role: .server(heartbeat: configuration.heartbeat, command: configuration.heartbeatCommand),
            maxInFlight: configuration.maxInFlightPerPeer,
            defaultTimeout: configuration.requestTimeout,
            logger: session.sessionLogger
        )
        let onConnect = state.withLock { state -> (@Sendable (SiyiPeer) async -> Void)?? in
            guard !state.stopped else { return nil }
            state.members[peer.id] = Member(channel: channel, session: session)
            return .some(state.onConnect)
        }
        let handler = SiyiServerConnectionHandler(server: self, channel: channel, session: session)
        guard let onConnect else {
            session.close(code: .goingAway, reason: "server stopped")
            return handler
        }
        channel.logger.info("siyi peer connected", metadata: ["siyi.address": "\(peer.address ?? "-")"])
        if let onConnect {
            // User code, concurrent with the connection: requests it sends are answered.
            Task { await onConnect(peer) }
        }
        return handler
    }

    /// The peer's connection has ended: forget it and run `onDisconnect` (user work).
    func disconnected(_ peer: SiyiPeer) {
        let (wasMember, onDisconnect) = state.withLock { state in
            (state.members.removeValue(forKey: peer.id) != nil, state.onDisconnect)
        }
        guard wasMember else { return }
        logger.info("siyi peer disconnected", metadata: ["siyi.peer": "\(peer.id.rawValue)"])
        if let onDisconnect { Task { await onDisconnect(peer) } }
    }

    /// Runs a `SwitchboardServer` with this adapter on `transport` until ``stop()`` (or
    /// cancellation). Route the transport's paths to the adapter name `siyi`. Returns at once
    /// if the server was already stopped; throws if it is already running.
    public func run<Transport: ServerTransport>(on transport: Transport) async throws {
        let server = SwitchboardServer(transport: transport, adapters: [self], logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        let started = state.withLock { state -> Bool? in
            if state.stopped { return nil }
            guard state.running == nil else { return false }
            state.running = group
            return true
        }
        guard let started else { return }  // stopped before it ran: nothing to serve
        guard started else {
            throw SiyiError(code: .invalidArgument, message: "the server is already running")
        }
        defer {
            state.withLock { $0.running = nil }
            changes.notify()
        }
        try await group.run()
    }

    /// Stops for good: stops accepting first (the listener closes when run by ``run(on:)``),
    /// then closes every connection with 1001 (pending requests fail at once). Returns once
    /// ``run(on:)`` has finished. Embedded in a larger server, later connections routed here
    /// are closed with 1001.
    public func stop() async {
        let (members, running) = state.withLock { state in
            state.stopped = true
            return (Array(state.members.values), state.running)
        }
        await running?.triggerGracefulShutdown()
        for member in members {
            member.session.close(code: .goingAway, reason: "server stopped")
        }
        if running != nil {
            await changes.wait { state.withLock { $0.running == nil } }
        }
    }

    func member(_ peer: SiyiPeer) -> Member? {
        state.withLock { $0.members[peer.id] }
    }

    func members(excluding excluded: Set<SiyiPeer>) -> [Member] {
        state.withLock { state in
            state.members.values.filter { !excluded.contains($0.channel.peer) }
        }.sorted { $0.channel.peer.id < $1.channel.peer.id }
    }
}
