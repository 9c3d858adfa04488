import Foundation
import SwitchboardFaultInjection
import Testing

@Suite("ProcessProbe reads /proc")
struct ProcessProbeTests {
    @Test("this process: memory, descriptors, threads, and CPU time that grows with work")
    func ownProcess() throws {
        let first = try #require(ProcessProbe.sample(pid: getpid()))
        #expect(first.residentBytes > 0)
        #expect(first.openFileDescriptors > 0)
        #expect(first.threads >= 1)
        // Busy work until the kernel has charged at least one more clock tick (bounded).
        let deadline = Date().addingTimeInterval(10)
        var later = first
        var sink = 0
        while later.cpuTicks <= first.cpuTicks, Date() < deadline {
            for index in 0 ..< 1_000_000 { sink &+= index &* 31 }
            later = try #require(ProcessProbe.sample(pid: getpid()))
        }
        #expect(sink != 1)
        #expect(later.cpuTicks > first.cpuTicks)
    }

    @Test("a process that does not exist has no sample")
    func missingProcess() {
        #expect(ProcessProbe.sample(pid: Int32.max) == nil)
    }
}
