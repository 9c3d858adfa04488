import DequeModule
public import Logging
public import SwitchboardCore
import Foundation
import Synchronization

/// A CrossComm client: the Swift counterpart of pywayne's `CrossCommService(role="client")`,
/// for a Switchboard hub or pywayne's own server.
///
/// Unlike pywayne's client, ``login(timeout:)`` returns only once `login_response` arrived,
/// the connection is re-established and logged in again after every drop (`ReconnectPolicy`),
/// ``listClients(onlyOnline:timeout:)`` answers are matched to their own request, and handlers
/// run off the receive loop.
///
/// ```swift
/// let transport = WebSocketClientTransport(configuration: .init(url: "ws://127.0.0.1:9898"), logger: logger)
/// let client = CrossCommClient(transport: transport, configuration: .init(clientID: "alice"), logger: logger)
/// client.onMessage(type: .text) { message in print("\(message.from): \(message.text ?? "")") }
/// try await client.login()
/// try await client.send("Hello everyone!")                       // text to "all"
/// try await client.send(.object([.init(key: "action", value: .string("update"))]), type: .dict, to: "bob")
/// let online = try await client.listClients().onlineIDs
/// await client.logout()
/// ```
public final class CrossCommClient: Sendable {
    /// A message handler.
    public typealias Handler = @Sendable (CrossCommMessage) async -> Void

    struct Registration: Sendable {
        var type: CrossCommMessageType?
        var from: String?
        var downloadDirectory: String?
        var handler: Handler
    }

    struct State {
        var status: Status = .idle
        var running = false
        var stopRequested = false
        var connection: Connection?
        var generation: UInt64 = 0
        var pendingLists: Deque<UInt64> = []
        var listWriteInProgress = false
        var abandonedLists: Set<UInt64> = []
        var listResults: [UInt64: Result<CrossCommClientList, CrossCommError>] = [:]
        var nextRequest: UInt64 = 0
        var registrations: [Registration] = []
        var inbox: AsyncStream<CrossCommMessage>.Continuation?
        var droppedForHandlers = 0
    }

    /// The configuration in force.
    public let configuration: Configuration
    /// The id this client logs in with.
    public var clientID: String { configuration.clientID }

    let transport: any ClientTransport
    let logger: Logger
    let state = Mutex(State())
    let changes = ChangeNotifier()

    /// Creates a client over any `ClientTransport`; nothing connects until
    /// ``login(timeout:)`` or ``run()``.
    public init(transport: any ClientTransport, configuration: Configuration = Configuration(), logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "crosscomm.client_id"] = "\(configuration.clientID)"
        self.logger = logger
    }

    /// Where the client stands.
    public var status: Status { state.withLock { $0.status } }

    /// Whether the client is logged in right now.
    public var isLoggedIn: Bool { status == .loggedIn }

    /// Registers a handler for messages from other clients, filtered by type and sender when
    /// given (pywayne's `message_listener`). Messages this client sent are never delivered to
    /// it. With `downloadDirectory`, file/image/folder messages whose `oss_key` names an
    /// object in the configured file store are downloaded there first and `content` becomes
    /// the local path. Handlers run in order on one task, off the receive loop.
    public func onMessage(
        type: CrossCommMessageType? = nil,
        from: String? = nil,
        downloadDirectory: String? = nil,
        _ handler: @escaping Handler
    ) {
        state.withLock { $0.registrations.append(Registration(type: type, from: from, downloadDirectory: downloadDirectory, handler: handler)) }
    }

    // MARK: - Lifecycle

    /// Connects (unless ``run()`` already runs), logs in, and returns once `login_response`
    /// arrived. Throws ``CrossCommError/Code/loginTimeout`` after `timeout`, or
    /// ``CrossCommError/Code/connectionClosed`` when the client stopped for good.
    public func login(timeout: Duration = .seconds(10)) async throws {
        let start = state.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            state.stopRequested = false
            state.status = .connecting
            return true
        }
        if start {
            // Unstructured on purpose: pywayne's login() leaves receive and heartbeat running in
            // the background, and this API mirrors it. The task belongs to this client and ends
            // with logout() (or a terminal close).
            Task { await self.runLoop() }
        }
        do {
            try await withTimeout(timeout, "login") {
                await self.changes.wait { self.loginSettled }
            }
        } catch {
            throw CrossCommError(code: .loginTimeout, message: "no login_response within \(timeout)", cause: error)
        }
        if case .stopped(let code) = status {
            throw CrossCommError(code: .connectionClosed, message: "the client stopped (close code \(code.map { "\($0)" } ?? "none"))")
        }
    }

    private var loginSettled: Bool {
        switch status {
        case .loggedIn, .stopped, .idle: true
        case .connecting: false
        }
    }

    /// Runs the connection loop in the caller's task until ``logout()``, a terminal close, or
    /// cancellation: connect, log in, heartbeat, receive, reconnect. Use it instead of letting
    /// ``login(timeout:)`` start the loop when you want structured concurrency.
    public func run() async throws {
        let start = state.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            state.stopRequested = false
            state.status = .connecting
            return true
        }
        guard start else {
            throw CrossCommError(code: .alreadyRunning, message: "the client is already running")
        }
        await runLoop()
    }

    /// Sends `logout`, closes the connection normally and stops reconnecting. Waits (bounded)
    /// for the connection loop to end.
    public func logout() async {
        let connection = state.withLock { state -> Connection? in
            state.stopRequested = true
            return state.status == .loggedIn ? state.connection : nil
        }
        if let connection {
            let message = CrossCommMessage(type: .logout, content: .object([]), from: clientID, to: CrossCommMessage.server)
            try? await connection.write(message.frame)
        }
        changes.notify()
        _ = try? await withTimeout(.seconds(10), "logout") {
            await self.changes.wait { !self.state.withLock { $0.running } }
        }
    }

    private func runLoop() async {
        let (inbox, continuation) = AsyncStream.makeStream(
            of: CrossCommMessage.self,
            bufferingPolicy: .bufferingNewest(configuration.handlerBufferSize)
        )
        state.withLock { $0.inbox = continuation }
        var finalCode: CloseCode?
        defer {
            continuation.finish()
            state.withLock { state in
                state.running = false
                state.connection = nil
                state.inbox = nil
                state.status = state.stopRequested ? .idle : .stopped(finalCode)
            }
            failPendingLists()
            changes.notify()
        }
        enum Ended: Sendable { case connections(CloseCode?), stopRequested, dispatcher }
        await withTaskGroup(of: Ended.self) { group in
            group.addTask { await self.dispatch(inbox); return .dispatcher }
            group.addTask {
                await self.changes.wait { self.state.withLock { $0.stopRequested } }
                return .stopRequested
            }
            group.addTask { .connections(try? await self.connectionLoop(self.transport)) }
            while let ended = await group.next() {
                switch ended {
                case .connections(let code):
                    finalCode = code
                    group.cancelAll()
                case .stopRequested:
                    // Cancelling the reconnect loop closes the connection normally (1000).
                    group.cancelAll()
                case .dispatcher:
                    break
                }
            }
        }
    }

    private func connectionLoop<Transport: ClientTransport>(_ transport: Transport) async throws -> CloseCode? {
        let logger = self.logger
        let loop = ReconnectLoop(transport: transport, policy: configuration.reconnect, logger: logger) { event in
            logger.debug("crosscomm client \(event)")
        }
        return try await loop.run { connection in
            try await self.serve(connection)
        }
    }
}
