import NIOCore
import Siyi
import SwitchboardCore

/// `siyi-request`: round trips of `echo` requests (params `{"p": <payload>}`); requests the
/// server sends (`get_status` on connect, `heartbeat`) are answered `ok`.
final class SiyiDriver: RequestResponseDriver {
    private let params: JSONValue

    init(payloadSize: Int, inflight: Int, interval: UInt64) {
        self.params = .object([.init(key: "p", value: .string(String(repeating: "x", count: payloadSize)))])
        super.init(inflight: inflight, interval: interval)
    }

    override func sendRequest(_ connection: BenchConnection, sequence: UInt64) {
        let request = SiyiRequest(id: SiyiMessageID("\(sequence)"), command: "echo", params: params)
        connection.send(text: SiyiMessage.request(request).encoded())
    }

    override func received(_ connection: BenchConnection, binary: Bool, payload: ByteBuffer) {
        let message: SiyiMessage
        do {
            message = try SiyiMessage(decoding: Array(payload.readableBytesView))
        } catch {
            connection.stats.noteError("siyi: undecodable message: \(error)")
            return
        }
        switch message {
        case .response(let response):
            guard response.isSuccess, let sequence = UInt64(response.id.rawValue), response.data == params else {
                connection.stats.noteError("siyi: unexpected response \(response.json)")
                return
            }
            replied(connection, sequence: sequence)
        case .request(let request):
            let data: JSONValue = .object([.init(key: "status", value: .string(request.command == "heartbeat" ? "alive" : "bench"))])
            connection.send(text: SiyiMessage.response(.success(id: request.id, data: data)).encoded())
        case .event:
            break
        }
    }
}
