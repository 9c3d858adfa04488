/// The fuzz targets, one harness function each. The libFuzzer entry points (Fuzz/Entry) and
/// the regression replay suite (Tests/SwitchboardFuzzingTests) call the same functions, so a
/// crasher kept under `Fuzz/Regressions/<name>/` replays exactly what the fuzzer ran.
///
/// A harness returns normally for any input the code under test handles correctly — accepted
/// or rejected with its typed error — and throws ``FuzzInvariantViolation`` when a property
/// beyond "no crash" fails (round trips, limits, error types).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `MsgPackValue(decoding:)`, `decodeFirst`, tight limits, and `MsgPackDecoder` into a
    /// Codable record; decode → encode → decode must give the same value.
    case msgpack
    /// wslink 2.x: binary chunk frames through the server's state machine (unchunker,
    /// envelope decoding, hello/auth), plus each frame's payload decoded on its own.
    case wslinkV2 = "wslink-v2"
    /// wslink 1.x: JSON text frames and binary attachments through the server's state machine.
    case wslinkV1 = "wslink-v1"
    /// CrossComm message decoding from text and binary frames.
    case crosscomm
    /// siyi message decoding from text and bytes.
    case siyi
    /// SwitchboardCore's JSON parser (both entry points, all write styles).
    case json
    /// A connection's first bytes through the server's HTTP/1 + WebSocket upgrade pipeline.
    case upgrade

    /// Runs the harness on one input.
    public func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        switch self {
        case .msgpack: try MsgPackHarness.run(input)
        case .wslinkV2: try WSLinkV2Harness.run(input)
        case .wslinkV1: try WSLinkV1Harness.run(input)
        case .crosscomm: try CrossCommHarness.run(input)
        case .siyi: try SiyiHarness.run(input)
        case .json: try JSONHarness.run(input)
        case .upgrade: try UpgradeHarness.run(input)
        }
    }
}
