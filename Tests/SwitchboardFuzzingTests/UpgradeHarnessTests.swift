import Foundation
import SwitchboardFuzzing
import SwitchboardTesting
import Testing

/// The upgrade harness must really drive the server's handshake, or fuzzing it proves nothing.
@Suite("Upgrade fuzz harness")
struct UpgradeHarnessTests {
    @Test("the captured client handshake gets the captured Sec-WebSocket-Accept on a routed path, no 101 elsewhere")
    func handshakeThroughTheHarness() throws {
        let vectors = try SwitchboardTestPaths.vectorsDirectory().appendingPathComponent("crosscomm.json")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: vectors)) as? [String: Any]
        let handshake = try #require(document?["handshake"] as? [String: [String]])
        let request = try #require(handshake["request"])
        let accept = try #require(handshake["response"]?.first { $0.hasPrefix("Sec-WebSocket-Accept:") })

        func respond(path: String) -> String {
            let head = (["GET \(path) HTTP/1.1"] + request.dropFirst()).joined(separator: "\r\n") + "\r\n\r\n"
            return String(decoding: UpgradeHarness.response(to: Array(head.utf8)), as: UTF8.self)
        }
        let routed = respond(path: "/ws")
        #expect(routed.hasPrefix("HTTP/1.1 101"), "\(routed)")
        #expect(routed.lowercased().contains(accept.lowercased()), "\(routed)")
        #expect(routed.lowercased().contains("sec-websocket-extensions: permessage-deflate"), "\(routed)")
        // The refusal itself (400) is written by the connection's async handler, which the
        // harness does not run; WebSocketServerTransportTests checks it over a real socket.
        let unrouted = respond(path: "/unrouted")
        #expect(!unrouted.hasPrefix("HTTP/1.1 101"), "\(unrouted)")
    }
}
