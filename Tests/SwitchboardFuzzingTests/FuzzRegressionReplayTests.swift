import Dispatch
import Foundation
import SwitchboardFuzzing
import SwitchboardTesting
import Testing

/// Replays every committed fuzz input through the same harness functions libFuzzer runs:
/// `Fuzz/Regressions/<target>/` (crashers found and fixed) and `Fuzz/Seeds/<target>/` (a small
/// set of interesting inputs, so each target always replays something).
@Suite("Fuzz regression corpus replay")
struct FuzzRegressionReplayTests {
    @Test("every committed input passes its harness", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) async throws {
        let inputs = try await Self.offPool { try Self.committedInputs(for: target) }
        #expect(!inputs.isEmpty, "no committed inputs for \(target.rawValue)")
        for (name, bytes) in inputs {
            #expect(throws: Never.self, "\(target.rawValue)/\(name)") { try target.run(bytes) }
        }
    }

    @Test("every target has a seed and regression directory; no stray target directories")
    func directoriesMatchTargets() async throws {
        let root = try SwitchboardTestPaths.packageRoot().appendingPathComponent("Fuzz")
        let names = Set(FuzzTarget.allCases.map(\.rawValue))
        for kind in ["Seeds", "Regressions"] {
            let listed = try await Self.offPool {
                try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(kind).path)
            }
            #expect(Set(listed.filter { !$0.hasPrefix(".") }) == names, "Fuzz/\(kind)")
        }
    }

    /// Name and content of every file under the target's seed and regression directories.
    static func committedInputs(for target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let root = try SwitchboardTestPaths.packageRoot().appendingPathComponent("Fuzz")
        var inputs: [(name: String, bytes: [UInt8])] = []
        for kind in ["Seeds", "Regressions"] {
            let directory = root.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
            for name in names {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                inputs.append((name: "\(kind)/\(name)", bytes: [UInt8](data)))
            }
        }
        return inputs
    }

    /// File reads run on a Dispatch queue, off the cooperative pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
