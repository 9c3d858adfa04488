public import NIOCore
public import NIOPosix
import Synchronization

/// A loopback TCP proxy that can stall: while stalled it stops reading from both sides and
/// forwards nothing, yet keeps every socket open — the network failure that only heartbeats
/// detect (a dead NAT entry, a suspended laptop, a peer that stopped reading). Kernel
/// buffers fill up behind it, so a sender sees real back-pressure.
///
/// ```swift
/// let proxy = try await StallingProxy.start(targetPort: server.ports.main)
/// // connect clients to proxy.port …
/// proxy.stall()      // traffic stops, nothing closes
/// proxy.resume()     // what was held is delivered
/// await proxy.shutdown()
/// ```
public final class StallingProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    /// The port connections are relayed to.
    public let targetPort: Int

    private let serverChannel: any Channel
    private let registry: Registry

    private init(port: Int, targetPort: Int, serverChannel: any Channel, registry: Registry) {
        self.port = port
        self.targetPort = targetPort
        self.serverChannel = serverChannel
        self.registry = registry
    }

    /// Listens on 127.0.0.1 (port 0: a free one) and relays every accepted connection to
    /// `127.0.0.1:targetPort`.
    public static func start(targetPort: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> StallingProxy {
        let registry = Registry()
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                connect(inbound, to: targetPort, group: group, registry: registry)
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = server.localAddress?.port else {
            try? await server.close()
            throw StallingProxyError(message: "the proxy has no local port")
        }
        return StallingProxy(port: port, targetPort: targetPort, serverChannel: server, registry: registry)
    }

    /// Whether traffic is held right now.
    public var isStalled: Bool { registry.isStalled }

    /// Relayed connections currently open (each counts once, not per side).
    public var connectionCount: Int { registry.pairCount }

    /// Stops relaying in both directions; sockets stay open and unread.
    public func stall() { registry.setStalled(true) }

    /// Delivers what was held and relays again.
    public func resume() { registry.setStalled(false) }

    /// Closes every relayed connection (both sides see the sockets close).
    public func cutConnections() { registry.closeAll() }

    /// Stops listening and closes every relayed connection.
    public func shutdown() async {
        try? await serverChannel.close()
        registry.closeAll()
    }

    private static func connect(_ inbound: any Channel, to targetPort: Int, group: any EventLoopGroup, registry: Registry) -> EventLoopFuture<Void> {
        let inboundRelay = RelayHandler(registry: registry)
        return inbound.pipeline.addHandler(inboundRelay).flatMap {
            ClientBootstrap(group: inbound.eventLoop)
                .channelOption(.autoRead, value: false)
                .channelInitializer { outbound in
                    outbound.pipeline.addHandler(RelayHandler(registry: registry))
                }
                .connect(host: "127.0.0.1", port: targetPort)
        }.flatMap { outbound in
            // Both handlers exist now: tell each its partner, register, then start reading.
            let pairing = outbound.pipeline.handler(type: RelayHandler.self).flatMap { outboundRelay in
                outbound.eventLoop.makeSucceededFuture(outboundRelay)
            }
            return pairing.flatMap { outboundRelay in
                inboundRelay.partner = outbound
                outboundRelay.partner = inbound
                registry.add(inbound, outbound)
                return inbound.eventLoop.makeSucceededVoidFuture()
            }
        }.flatMapError { error in
            inbound.close(promise: nil)
            return inbound.eventLoop.makeFailedFuture(error)
        }
    }
}

/// Why the proxy could not start.
public struct StallingProxyError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

extension StallingProxy {
    /// Every relayed channel and the stall switch. Channels read only while not stalled.
    final class Registry: Sendable {
        private struct State {
            var stalled = false
            var pairs: [ObjectIdentifier: (any Channel, any Channel)] = [:]
            /// Pairs with one side closed during a stall, closed fully on resume.
            var broken: Set<ObjectIdentifier> = []
        }

        private let state = Mutex(State())

        var isStalled: Bool { state.withLock { $0.stalled } }
        var pairCount: Int { state.withLock { $0.pairs.count } }

        func add(_ inbound: any Channel, _ outbound: any Channel) {
            let key = ObjectIdentifier(inbound)
            let stalled = state.withLock { state in
                state.pairs[key] = (inbound, outbound)
                return state.stalled
            }
            // A stalled path carries no FIN either: one side closing reaches the other only
            // once traffic flows again.
            let ended: @Sendable (Result<Void, any Error>) -> Void = { [weak self] _ in
                guard let self else { return }
                let propagate = self.state.withLock { state -> Bool in
                    guard !state.stalled else {
                        state.broken.insert(key)
                        return false
                    }
                    state.pairs[key] = nil
                    return true
                }
                if propagate {
                    inbound.close(promise: nil)
                    outbound.close(promise: nil)
                }
            }
            inbound.closeFuture.whenComplete(ended)
            outbound.closeFuture.whenComplete(ended)
            if !stalled {
                inbound.setOption(.autoRead, value: true).whenComplete { _ in }
                outbound.setOption(.autoRead, value: true).whenComplete { _ in }
            }
        }

        func setStalled(_ stalled: Bool) {
            let (channels, broken) = state.withLock { state in
                state.stalled = stalled
                var broken: [any Channel] = []
                if !stalled {
                    for key in state.broken {
                        if let pair = state.pairs.removeValue(forKey: key) { broken += [pair.0, pair.1] }
                    }
                    state.broken.removeAll()
                }
                return (state.pairs.values.flatMap { [$0.0, $0.1] }, broken)
            }
            for channel in broken { channel.close(promise: nil) }
            for channel in channels {
                channel.setOption(.autoRead, value: !stalled).whenComplete { _ in }
                if !stalled { channel.pipeline.fireUserInboundEventTriggered(Resume()) }
            }
        }

        func closeAll() {
            let channels = state.withLock { state in
                state.broken.removeAll()
                return state.pairs.values.flatMap { [$0.0, $0.1] }
            }
            for channel in channels { channel.close(promise: nil) }
        }
    }

    /// Sent down a pipeline when the stall ends, so held bytes go out.
    struct Resume {}

    /// Forwards what one side reads to the other, holding it while stalled (a read already
    /// in flight when the stall began still arrives).
    ///
    /// `@unchecked Sendable`: both channels of a pair share one event loop (the outbound side
    /// is bootstrapped on the inbound side's loop), and every access happens on it.
    final class RelayHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer

        let registry: Registry
        var partner: (any Channel)?
        private var held: [ByteBuffer] = []

        init(registry: Registry) {
            self.registry = registry
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            held.append(unwrapInboundIn(data))
            if !registry.isStalled { forwardHeld() }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is Resume { forwardHeld() }
        }

        private func forwardHeld() {
            guard let partner, !held.isEmpty else { return }
            for buffer in held { partner.write(buffer, promise: nil) }
            held.removeAll()
            partner.flush()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
