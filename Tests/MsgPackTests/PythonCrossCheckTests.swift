import Foundation
import MsgPack
import SwitchboardTesting
import Testing

/// Byte-for-byte agreement with Python `msgpack` (the codec of the wslink server), in
/// both directions, over seeded random values. Needs the project's `.venv` (or
/// `SWITCHBOARD_PYTHON`); without it the tests fail rather than skip.
@Suite(.serialized) struct PythonCrossCheckTests {
    @Test(arguments: [UInt64(1), 0x5eed_cafe])
    func swiftEncodingsSurvivePythonRepack(_ seed: UInt64) async throws {
        var generator = RandomValues(seed: seed)
        let values = (0 ..< 300).map { _ in generator.value() }
        let sent = values.map { hex($0.encoded()) }
        let received = try await PythonPeer.run(
            script: "Interop/msgpack_crosscheck.py", ["repack"], input: sent.joined(separator: "\n") + "\n", requiring: ["msgpack"]
        )
        #expect(received.count == sent.count)
        for (index, (mine, theirs)) in zip(sent, received).enumerated() where mine != theirs {
            Issue.record("seed \(seed) value \(index): \(values[index]) → Swift \(mine.prefix(200)), Python \(theirs.prefix(200))")
        }
    }

    @Test(arguments: [7, 20_240_611])
    func pythonEncodingsRoundTripThroughSwift(_ seed: Int) async throws {
        let lines = try await PythonPeer.run(
            script: "Interop/msgpack_crosscheck.py", ["generate", "--seed", String(seed), "--count", "300"], input: "", requiring: ["msgpack"]
        )
        #expect(lines.count == 300)
        for (index, line) in lines.enumerated() {
            let encoded = bytes(line)
            let value = try MsgPackValue(decoding: encoded, limits: .unlimited)
            let reencoded = hex(value.encoded())
            #expect(reencoded == line, "seed \(seed) value \(index): \(value)")
        }
    }
}
