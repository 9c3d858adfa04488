import DequeModule
public import SwitchboardCore
import Foundation
import Synchronization

extension CrossCommClient {
    /// Sends text, or a string as the content of another type (pywayne's `send_message`):
    /// `.text` as is; `.json` must be valid JSON text; `.dict` is parsed as JSON; `.bytes`
    /// sends the UTF-8 bytes; `.file`/`.image`/`.folder` take a local path, upload it to the
    /// file store (when configured) and put the store key in `oss_key`.
    /// Returns the message as sent.
    @discardableResult
    public func send(
        _ text: String,
        type: CrossCommMessageType = .text,
        to target: String = CrossCommMessage.everyone,
        progress: (@Sendable (CrossCommTransferProgress) -> Void)? = nil
    ) async throws -> CrossCommMessage {
        switch type {
        case .text:
            return try await send(message(.text, .string(text), to: target))
        case .json:
            guard (try? JSONValue(parsing: text)) != nil else {
                throw CrossCommError(code: .invalidContent, message: "json content must be valid JSON text")
            }
            return try await send(message(.json, .string(text), to: target))
        case .dict:
            let value: JSONValue
            do { value = try JSONValue(parsing: text) } catch {
                throw CrossCommError(code: .invalidContent, message: "dict content must be JSON", cause: error)
            }
            return try await send(message(.dict, value, to: target))
        case .bytes:
            return try await send(Array(text.utf8), to: target)
        case .file, .image, .folder:
            let key = try await uploadAttachment(path: text, type: type, progress: progress)
            var outgoing = message(type, .string(text), to: target)
            outgoing.ossKey = key
            return try await send(outgoing)
        default:
            throw Self.controlTypeError(type)
        }
    }

    /// Sends a JSON value: `.dict` (default) as is, `.json` as JSON text (Python's
    /// `json.dumps`), `.text` as its compact JSON text.
    @discardableResult
    public func send(_ value: JSONValue, type: CrossCommMessageType = .dict, to target: String = CrossCommMessage.everyone) async throws -> CrossCommMessage {
        try Self.requireFinite(value)
        switch type {
        case .dict: return try await send(message(.dict, value, to: target))
        case .json: return try await send(message(.json, .string(value.encoded(.python)), to: target))
        case .text: return try await send(message(.text, .string(value.stringValue ?? value.encoded(.compact)), to: target))
        default: throw CrossCommError(code: .invalidContent, message: "a JSON value is sent as dict, json or text, not \(type.rawValue)")
        }
    }

    /// Sends binary data as a `bytes` message (padded standard base64 on the wire).
    @discardableResult
    public func send(_ bytes: [UInt8], to target: String = CrossCommMessage.everyone) async throws -> CrossCommMessage {
        try await send(message(.bytes, .string(Data(bytes).base64EncodedString()), to: target))
    }

    /// Sends a prepared message as is (its sender must be this client).
    @discardableResult
    public func send(_ message: CrossCommMessage) async throws -> CrossCommMessage {
        guard message.from == clientID else {
            throw CrossCommError(code: .invalidContent, message: "from must be this client's id \(CrossCommMessage.quoted(clientID))")
        }
        let frame = message.frame
        guard frame.byteCount <= configuration.maxMessageBytes else {
            throw CrossCommError(code: .messageTooLarge, message: "message of \(frame.byteCount) bytes exceeds the limit of \(configuration.maxMessageBytes) bytes; send large data as a file")
        }
        try await write(frame)
        return message
    }

    /// Asks the hub for its client table; the answer is matched to this request even when
    /// several are in flight. Throws ``CrossCommError/Code/requestTimeout`` after `timeout`.
    public func listClients(onlyOnline: Bool = true, timeout: Duration = .seconds(5)) async throws -> CrossCommClientList {
        let request = state.withLock { state -> UInt64 in
            state.nextRequest += 1
            return state.nextRequest
        }
        let content = JSONValue.object([.init(key: "only_show_online", value: .bool(onlyOnline))]).encoded(.python)
        let frame = controlMessage(.listClients, content: .string(content)).frame
        try await writeRegistering(frame, request: request)
        do {
            return try await withTimeout(timeout, "list_clients") {
                await self.changes.wait { self.state.withLock { $0.listResults[request] != nil } }
                try Task.checkCancellation()
                return try self.state.withLock { $0.listResults.removeValue(forKey: request)! }.get()
            }
        } catch let error as SwitchboardError where error.code == .timeout {
            state.withLock { state in
                if state.listResults.removeValue(forKey: request) == nil, state.pendingLists.contains(request) {
                    state.abandonedLists.insert(request)
                }
            }
            throw CrossCommError(code: .requestTimeout, message: "no list_clients_response within \(timeout)")
        }
    }

    // MARK: - Internals

    func message(_ type: CrossCommMessageType, _ content: JSONValue, to target: String) -> CrossCommMessage {
        CrossCommMessage(type: type, content: content, from: clientID, to: target)
    }

    private func currentConnection() throws -> Connection {
        guard let connection = state.withLock({ $0.status == .loggedIn ? $0.connection : nil }) else {
            throw CrossCommError(code: .notLoggedIn, message: "not logged in")
        }
        return connection
    }

    private func write(_ frame: Frame) async throws {
        let connection = try currentConnection()
        do {
            try await connection.write(frame)
        } catch {
            throw CrossCommError(code: .connectionClosed, message: "the connection closed while sending", cause: error)
        }
    }

    private func writeRegistering(_ frame: Frame, request: UInt64) async throws {
        let connection = try currentConnection()
        // One registration-and-write at a time, so the pending order is the wire order.
        while !state.withLock({ state in
            if state.listWriteInProgress { return false }
            state.listWriteInProgress = true
            return true
        }) {
            await changes.wait { !self.state.withLock { $0.listWriteInProgress } }
            try Task.checkCancellation()
        }
        defer {
            state.withLock { $0.listWriteInProgress = false }
            changes.notify()
        }
        state.withLock { $0.pendingLists.append(request) }
        do {
            try await connection.write(frame)
        } catch {
            state.withLock { $0.pendingLists.removeAll { $0 == request } }
            throw CrossCommError(code: .connectionClosed, message: "the connection closed while sending", cause: error)
        }
    }

    static func controlTypeError(_ type: CrossCommMessageType) -> CrossCommError {
        CrossCommError(code: .invalidContent, message: "\(type.rawValue) is sent by login(), logout(), listClients() or the hub, not send()")
    }

    /// pywayne would write bare NaN/Infinity, which strict JSON parsers reject (B15).
    static func requireFinite(_ value: JSONValue) throws {
        switch value {
        case .double(let number) where !number.isFinite:
            throw CrossCommError(code: .invalidContent, message: "NaN and Infinity are not JSON")
        case .array(let values):
            for element in values { try requireFinite(element) }
        case .object(let pairs):
            for pair in pairs { try requireFinite(pair.value) }
        default:
            break
        }
    }
}
