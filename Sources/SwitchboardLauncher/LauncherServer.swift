public import Logging
public import ServiceLifecycle
import Foundation
import NIOCore
import NIOPosix

/// `switchboard launcher`: the session manager on `configuration.host:port` (the launch
/// endpoint, static `content`, and the `/proxy?sessionId=<id>&path=…` session proxy), run as a
/// ServiceLifecycle service. On graceful shutdown it stops listening and ends every session's
/// process group.
///
/// ```swift
/// let server = LauncherServer(configuration: config, logger: logger) { url in print("launcher listening on \(url)") }
/// try await ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
public struct LauncherServer: Service {
    /// The session manager (exposed for tests and embedding).
    public let launcher: SessionLauncher
    private let logger: Logger
    private let onListening: @Sendable (String) -> Void
    private let hostOverride: String?
    private let portOverride: Int?
    private let access: LauncherAccess

    /// Creates the server. `onListening` receives the launch endpoint's URL once bound;
    /// `host`/`port` override the configuration's (port 0 picks a free port); `access` says
    /// which browser origins may use the launch endpoint (by default same host and loopback).
    public init(
        configuration: LauncherConfiguration, host: String? = nil, port: Int? = nil, access: LauncherAccess = .init(), logger: Logger,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.access = access
        launcher = SessionLauncher(configuration: configuration, logger: logger)
        self.logger = logger
        self.onListening = onListening
        hostOverride = host
        portOverride = port
    }

    /// Binds, announces the endpoint URL, frees the ports of ended sessions until graceful
    /// shutdown or cancellation, then closes the listener and ends every session.
    public func run() async throws {
        let configuration = launcher.configuration
        try FileManager.default.createDirectory(atPath: configuration.logDirectory, withIntermediateDirectories: true)
        let launcher = self.launcher
        let content = StaticFiles(directory: configuration.content)
        let access = self.access
        let logger = self.logger
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RequestSniffer(launcher: launcher, content: content, access: access, logger: logger))
                }
            }
            .bind(host: hostOverride ?? configuration.host, port: portOverride ?? configuration.port)
            .get()
        let port = channel.localAddress?.port ?? configuration.port
        let host = hostOverride ?? configuration.host
        let printedHost = host.contains(":") ? "[\(host)]" : host
        onListening("http://\(printedHost):\(port)\(configuration.endpointPath)")

        // Free the ports of sessions whose process ended by itself, four times a second.
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await launcher.reapExited()
                try? await Task.sleep(for: .milliseconds(250))
            }
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        try? await channel.close()
        logger.info("launcher shutting down: stopping all processes")
        // Not cancellable: every process group is ended before the service returns.
        await Task { await launcher.shutdown() }.value
    }
}
