import SwitchboardCore
import Synchronization
import Testing

@Suite("In-process broker")
struct InProcessBrokerTests {
    @Test("nodes on one bus receive each other's messages, never their own; a standalone broker is alone")
    func bus() {
        let bus = InProcessBroker.Bus()
        let a = InProcessBroker(nodeID: "a", bus: bus), b = InProcessBroker(nodeID: "b", bus: bus)
        let seen = Mutex<[String]>([])
        a.subscribe("t") { message in seen.withLock { $0.append("a<-\(message.origin):\(message.body)") } }
        b.subscribe("t") { message in seen.withLock { $0.append("b<-\(message.origin):\(message.body)") } }
        a.publish(topic: "t", body: "1")
        b.publish(topic: "other", body: "2")
        bus.declareDown("a")
        #expect(seen.withLock { $0 } == ["b<-a:1"])
        #expect(a.isClustered)
        let alone = InProcessBroker()
        alone.subscribe("t") { _ in seen.withLock { $0.append("alone") } }
        alone.publish(topic: "t", body: "3")
        #expect(!alone.isClustered)
        #expect(seen.withLock { $0 }.count == 1)
    }
}
