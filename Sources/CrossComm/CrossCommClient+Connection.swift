import DequeModule
import Logging
import SwitchboardCore
import Synchronization

extension CrossCommClient {
    /// One connection: log in (then a first heartbeat, as pywayne does), heartbeat every
    /// interval, and route inbound frames until the connection ends.
    func serve(_ connection: Connection) async throws {
        let generation = state.withLock { state -> UInt64 in
            state.generation += 1
            state.connection = connection
            state.status = .connecting
            return state.generation
        }
        defer { connectionEnded(generation) }
        let login: JSONValue = configuration.token.map { .object([.init(key: "token", value: .string($0))]) } ?? .object([])
        try await connection.write(controlMessage(.login, content: login).frame)
        try await connection.write(controlMessage(.heartbeat).frame)
        let interval = configuration.heartbeatInterval
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: interval)
                        try await connection.write(self.controlMessage(.heartbeat).frame)
                    } catch {
                        return
                    }
                }
            }
            do {
                for try await frame in connection.inbound { receive(frame) }
            } catch {
                logger.debug("crosscomm connection ended", metadata: ["error": "\(error)"])
            }
            group.cancelAll()
        }
    }

    func controlMessage(_ type: CrossCommMessageType, content: JSONValue = .object([])) -> CrossCommMessage {
        CrossCommMessage(type: type, content: content, from: clientID, to: CrossCommMessage.server)
    }

    private func receive(_ frame: Frame) {
        let message: CrossCommMessage
        do {
            // The transport already bounds message size; pywayne's server may send anything it forwards.
            message = try CrossCommMessage(decoding: frame, maxBytes: .max)
        } catch {
            logger.notice("dropped invalid message from the server", metadata: ["error": "\(error)"])
            return
        }
        switch message.type {
        case .loginResponse where message.from == CrossCommMessage.server:
            state.withLock { $0.status = .loggedIn }
            logger.debug("logged in")
            changes.notify()
        case .listClientsResponse where message.from == CrossCommMessage.server:
            answerOldestList(with: message)
        case _ where message.from == clientID:
            // Our own message echoed back (pywayne echoes a message addressed to its sender).
            break
        default:
            let outcome = state.withLock { $0.inbox?.yield(message) }
            if case .dropped? = outcome { noteHandlerOverflow() }
        }
    }

    /// Responses come back in request order on one connection, so the oldest pending request
    /// owns the answer. A request that timed out still holds its place and discards its answer.
    private func answerOldestList(with message: CrossCommMessage) {
        let result: Result<CrossCommClientList, CrossCommError>
        do throws(CrossCommError) {
            result = .success(try CrossCommClientList(response: message))
        } catch {
            result = .failure(error)
        }
        state.withLock { state in
            guard !state.pendingLists.isEmpty else { return }
            let request = state.pendingLists.removeFirst()
            if state.abandonedLists.remove(request) != nil { return }
            state.listResults[request] = result
        }
        changes.notify()
    }

    private func noteHandlerOverflow() {
        let first = state.withLock { state -> Bool in
            state.droppedForHandlers += 1
            return state.droppedForHandlers == 1
        }
        if first { logger.warning("handlers fall behind: dropping the oldest waiting messages", metadata: ["buffer": "\(configuration.handlerBufferSize)"]) }
    }

    private func connectionEnded(_ generation: UInt64) {
        let current = state.withLock { state -> Bool in
            guard state.generation == generation else { return false }
            state.connection = nil
            if state.status == .loggedIn { state.status = .connecting }
            return true
        }
        if current { failPendingLists() }
        changes.notify()
    }

    /// Fails every waiting `listClients` call: its connection is gone.
    func failPendingLists() {
        state.withLock { state in
            for request in state.pendingLists where !state.abandonedLists.contains(request) {
                state.listResults[request] = .failure(CrossCommError(code: .connectionClosed, message: "the connection closed before list_clients was answered"))
            }
            state.pendingLists.removeAll()
            state.abandonedLists.removeAll()
        }
        changes.notify()
    }

    /// Calls the matching handlers for each message, in registration order, on this task.
    func dispatch(_ inbox: AsyncStream<CrossCommMessage>) async {
        for await message in inbox {
            let registrations = state.withLock { $0.registrations }.filter { registration in
                (registration.type == nil || registration.type == message.type)
                    && (registration.from == nil || registration.from == message.from)
            }
            var delivered = message
            if message.type.isFileLike, message.ossKey?.isEmpty == false,
               let directory = registrations.first(where: { $0.downloadDirectory != nil })?.downloadDirectory {
                delivered = await downloadAttachment(of: message, into: directory)
            }
            for registration in registrations { await registration.handler(delivered) }
        }
    }
}
