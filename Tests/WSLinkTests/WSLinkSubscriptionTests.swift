import Foundation
import MsgPack
import SwitchboardCore
import SwitchboardTesting
import Synchronization
import Testing
@testable import WSLink

/// Announced subscriptions (`Protocols.md` §4, "Subscriptions") over real sockets.
@Suite struct WSLinkSubscriptionTests {
    private func announce(_ method: String, _ id: String, _ args: [MsgPackValue]) -> MsgPackValue {
        callValue(id, method, args)
    }

    /// Says hello over a real socket (2.x) and returns the client id.
    private func hello(_ peer: RawPeer) async throws -> String {
        try await peer.send(v2Frame(helloValue()))
        let reply = try MsgPackValue(decoding: try await peer.nextPayload().payload)
        #expect(reply["result"]?["capabilities"] == ["subscriptions"])
        return try #require(reply["result"]?["clientID"]?.stringValue)
    }

    private func next(_ peer: RawPeer) async throws -> MsgPackValue {
        try MsgPackValue(decoding: try await peer.nextPayload().payload)
    }

    @Test func twoPointXSessionsReceiveWhatTheyAnnouncedAndSilentOnesEverything() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { watcher in
                try await RawPeer.with(server) { other in
                    try await RawPeer.with(server) { legacy in
                        let id = try await hello(watcher)
                        let otherID = try await hello(other)
                        _ = try await hello(legacy)
                        try await watcher.send(v2Frame(announce("wslink.subscribe", "system:\(id):0", ["demo.tick"])))
                        #expect(try await next(watcher)["result"] == ["topic": "demo.tick", "subscribed": true])
                        try await other.send(v2Frame(announce("wslink.subscribe", "system:\(otherID):0", ["other.topic"])))
                        #expect(try await next(other)["result"] == ["topic": "other.topic", "subscribed": true])

                        try await watcher.send(v2Frame(callValue("rpc:\(id):0", "demo.start", [3])))
                        var ids: [String] = []
                        for _ in 0..<4 { ids.append(try await next(watcher)["id"]?.stringValue ?? "") }
                        #expect(ids == Array(repeating: "publish:demo.tick:0", count: 3) + ["rpc:\(id):0"])

                        // A marker publish on the other topic: what arrives before it is what the
                        // ticks left in each queue.
                        try server.adapter.publisher.publish("other.topic", ["marker": true])
                        #expect(try await next(other)["id"] == "publish:other.topic:0")
                        var legacyIDs: [String] = []
                        for _ in 0..<4 { legacyIDs.append(try await next(legacy)["id"]?.stringValue ?? "") }
                        #expect(legacyIDs == Array(repeating: "publish:demo.tick:0", count: 3) + ["publish:other.topic:0"])
                        #expect(watcher.received.all.count == 4 + 2)
                    }
                }
            }
        }
    }

    @Test func oneXSessionsAnnounceWithJSON() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(.text(#"{"wslink":"1.0","id":"system:c0:0","method":"wslink.hello","args":[{"secret":"wslink-secret"}],"kwargs":{}}"#))
                guard case .text(let helloText) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary") }
                let hello = try JSONValue(parsing: helloText)
                #expect(hello["result"]?["capabilities"] == .array([.string("subscriptions")]))
                let id = try #require(hello["result"]?["clientID"]?.stringValue)
                try await peer.send(.text(#"{"wslink":"1.0","id":"system:\#(id):0","method":"wslink.subscribe","args":["other.topic"],"kwargs":{}}"#))
                guard case .text(let ack) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary") }
                #expect(try JSONValue(parsing: ack)["result"]?["subscribed"] == .bool(true))

                try await peer.send(.text(#"{"wslink":"1.0","id":"rpc:\#(id):0","method":"demo.start","args":[3],"kwargs":{}}"#))
                guard case .text(let result) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary") }
                // No tick arrived before the result: this session announced only other.topic.
                #expect(try JSONValue(parsing: result)["id"] == .string("rpc:\(id):0"))

                // Announcing demo.tick too: the next demo.start's three ticks (each a binary
                // attachment, its header and the envelope) arrive before its result.
                try await peer.send(.text(#"{"wslink":"1.0","id":"system:\#(id):1","method":"wslink.subscribe","args":["demo.tick"],"kwargs":{}}"#))
                guard case .text(let tickAck) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary") }
                #expect(try JSONValue(parsing: tickAck)["result"]?["topic"] == .string("demo.tick"))
                try await peer.send(.text(#"{"wslink":"1.0","id":"rpc:\#(id):1","method":"demo.start","args":[3],"kwargs":{}}"#))
                var ticks = 0
                while true {
                    guard case .text(let text) = try await peer.nextText() else { continue }
                    let messageID = try JSONValue(parsing: text)["id"]
                    if messageID == .string("publish:demo.tick:0") { ticks += 1 }
                    if messageID == .string("rpc:\(id):1") { break }
                }
                #expect(ticks == 3)
                try server.adapter.publisher.publish("other.topic", ["n": 1])
                guard case .text(let published) = try await peer.nextText() else { throw WSLinkError(code: .malformedPayload, message: "binary") }
                #expect(try JSONValue(parsing: published)["id"] == .string("publish:other.topic:0"))
            }
        }
    }

    @Test func sessionsWithTheSameFilterShareOneEncode() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { first in
                try await RawPeer.with(server) { second in
                    for peer in [first, second] {
                        let id = try await hello(peer)
                        try await peer.send(v2Frame(announce("wslink.subscribe", "system:\(id):0", ["view.frame", ["keys": ["width", "frame", "width"]]])))
                        #expect(try await next(peer)["result"] == ["topic": "view.frame", "subscribed": true, "keys": ["frame", "width"]])
                    }
                    let before = server.adapter.publisher.statistics
                    let delivered = try server.adapter.publisher.publish("view.frame", ["frame": 7, "pixels": .binary([1, 2, 3]), "width": 64])
                    #expect(delivered == 2)
                    for peer in [first, second] {
                        #expect(try await next(peer)["result"] == ["frame": 7, "width": 64])
                    }
                    let after = server.adapter.publisher.statistics
                    #expect(after.encodedPublishes - before.encodedPublishes == 1)
                    #expect(after.deliveries - before.deliveries == 2)
                    #expect(try server.adapter.publisher.publish("nobody.listens", 1) == 0)
                    #expect(server.adapter.publisher.statistics.skippedPublishes == after.skippedPublishes + 1)
                }
            }
        }
    }

    @Test func badAnnouncementsGetErrorReplies() async throws {
        try await TestServer.with { server in
            try await RawPeer.with(server) { peer in
                try await peer.send(v2Frame(announce("wslink.subscribe", "system:c0:1", ["demo.tick"])))
                #expect(try await next(peer)["error"]?["code"] == -32000)
                let id = try await hello(peer)
                try await peer.send(v2Frame(announce("wslink.subscribe", "system:\(id):0", ["bad topic"])))
                #expect(try await next(peer)["error"]?["code"] == -32602)
                try await peer.send(v2Frame(announce("wslink.subscribe", "system:\(id):1", ["demo.tick", ["keys": [1]]])))
                #expect(try await next(peer)["error"]?["code"] == -32602)
                try await peer.send(v2Frame(announce("wslink.unsubscribe", "system:\(id):2", ["demo.tick"])))
                #expect(try await next(peer)["result"] == ["topic": "demo.tick", "subscribed": false])
            }
        }
    }

    @Test func listenersAreObservedAcrossAnnounceUnsubscribeCloseAndReconnect() async throws {
        try await InMemoryWSLinkServer.with { server in
            let publisher = server.adapter.publisher
            let seen = EventLog<Bool>()
            let observation = publisher.observeListeners(of: "viewer.image") { seen.append($0) }
            #expect(try await seen.next() == false)
            #expect(!publisher.hasSubscribers("viewer.image"))

            // A client that never announces listens to everything.
            let legacy = try server.connect()
            _ = try await legacy.helloV2()
            #expect(try await seen.next() == true)
            #expect(publisher.hasSubscribers("viewer.image"))
            legacy.send(v2Frame(callValue("system:x:0", "wslink.subscribe", ["other.topic"])))
            _ = try await legacy.nextV2()
            #expect(try await seen.next() == false)

            let viewer = try server.connect()
            _ = try await viewer.helloV2()
            #expect(try await seen.next() == true)  // a new silent client listens to everything
            viewer.send(v2Frame(callValue("system:x:0", "wslink.subscribe", ["viewer.image"])))
            _ = try await viewer.nextV2()
            viewer.send(v2Frame(callValue("system:x:1", "wslink.unsubscribe", ["viewer.image"])))
            _ = try await viewer.nextV2()
            #expect(try await seen.next() == false)
            viewer.send(v2Frame(callValue("system:x:2", "wslink.subscribe", ["viewer.image"])))
            _ = try await viewer.nextV2()
            #expect(try await seen.next() == true)
            viewer.disconnect()
            #expect(try await seen.next() == false)

            // Reconnecting: a new session announces again.
            let again = try server.connect()
            _ = try await again.helloV2()
            #expect(try await seen.next() == true)
            again.send(v2Frame(callValue("system:x:0", "wslink.subscribe", ["viewer.image"])))
            _ = try await again.nextV2()
            #expect(publisher.hasSubscribers("viewer.image"))
            observation.cancel()
            again.disconnect()
            legacy.disconnect()
            try await waitUntil(.seconds(5), "both closed") { !publisher.hasSubscribers("viewer.image") }
            #expect(seen.all == [false, true, false, true, false, true, false, true])
        }
    }

    @Test func theRegistryCountsSessionsAndFilters() {
        var registry = WSLinkTopicRegistry()
        registry.observe("t")
        #expect(registry.addLegacy(1) == [.init(topic: "t", listening: true)])
        #expect(registry.add("t", filter: nil, delta: 1).isEmpty)
        #expect(registry.addLegacy(-1).isEmpty)
        let keys = WSLinkTopicFilter(keys: ["b", "a"])
        #expect(registry.add("t", filter: keys, delta: 1).isEmpty)
        #expect(Set(registry.filters(of: "t")) == [nil, keys])
        #expect(registry.add("t", filter: nil, delta: -1).isEmpty)
        #expect(registry.add("t", filter: keys, delta: -1) == [.init(topic: "t", listening: false)])
        #expect(registry.filters(of: "t").isEmpty)
    }
}
