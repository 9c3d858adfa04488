import NIOCore
import NIOPosix
import Synchronization

/// A non-blocking loopback client (NIO) that sends part of a request head and records what
/// the server answers and when it closes; a thousand of them cost no threads.
final class SlowHeaderClient: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private struct State {
        var bytes: [UInt8] = []
        var connectedAt: ContinuousClock.Instant?
        var closedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let channelBox = Mutex<(any Channel)?>(nil)

    static func connect(port: Int) async throws -> SlowHeaderClient {
        let client = SlowHeaderClient()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.pipeline.addHandler(client) }
            .connect(host: "127.0.0.1", port: port)
            .get()
        client.state.withLock { $0.connectedAt = .now }
        client.channelBox.withLock { $0 = channel }
        channel.closeFuture.whenComplete { _ in client.state.withLock { $0.closedAt = .now } }
        return client
    }

    func send(_ text: String) async throws {
        guard let channel = channelBox.withLock({ $0 }) else { return }
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Waits until the server has closed the connection.
    func waitForClose() async throws {
        guard let channel = channelBox.withLock({ $0 }) else { return }
        try await channel.closeFuture.get()
    }

    func close() {
        channelBox.withLock { $0 }?.close(promise: nil)
    }

    /// What the server sent, as text.
    var received: String { String(decoding: state.withLock { $0.bytes }, as: UTF8.self) }

    /// From connect to close, once closed.
    var lifetime: Duration? {
        state.withLock { state in state.connectedAt.flatMap { start in state.closedAt.map { $0 - start } } }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let chunk = buffer.readBytes(length: buffer.readableBytes) ?? []
        state.withLock { $0.bytes += chunk }
    }
}
