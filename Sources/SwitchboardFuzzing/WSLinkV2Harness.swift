import MsgPack
import SwitchboardCore
import WSLink

/// wslink 2.x: binary chunk frames (12-byte header + msgpack) into a fresh connection.
enum WSLinkV2Harness {
    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        var driver = WSLinkMachineDriver()
        var unchunker = WSLinkUnchunker(limits: WSLinkMachineDriver.configuration.reassembly)
        let start = ContinuousClock.now
        for (index, frame) in FuzzFrames(input).enumerated() {
            let bytes = Array(frame.bytes)
            try driver.receive(.binary(bytes))
            try checkUnchunker(&unchunker, bytes, at: start.advanced(by: .seconds(index)))
            if bytes.count >= WSLinkChunkHeader.byteCount {
                try checkEnvelope(Array(bytes.dropFirst(WSLinkChunkHeader.byteCount)))
            }
        }
    }

    /// The unchunker's bookkeeping never leaves its limits, and a reassembled payload is
    /// exactly the size its header declared.
    static func checkUnchunker(_ unchunker: inout WSLinkUnchunker, _ frame: [UInt8], at now: ContinuousClock.Instant) throws(FuzzInvariantViolation) {
        let limits = unchunker.limits
        let payload: [UInt8]?
        do {
            payload = try unchunker.receive(frame, sizeLimit: WSLinkMachineDriver.configuration.maxInboundMessageBytes, at: now)
        } catch {
            payload = nil
        }
        try FuzzInvariantViolation.require(
            unchunker.partialMessageCount <= limits.maxPartialMessages && unchunker.reservedBytes >= 0
                && unchunker.reservedBytes <= limits.maxBufferedBytes,
            "unchunker holds \(unchunker.partialMessageCount) partials / \(unchunker.reservedBytes) bytes")
        if let payload, let header = WSLinkChunkHeader(frame) {
            try FuzzInvariantViolation.require(payload.count == Int(header.size), "reassembled \(payload.count) bytes, header declared \(header.size)")
        }
    }

    /// A decoded envelope re-encodes to one that decodes equal.
    static func checkEnvelope(_ payload: [UInt8]) throws(FuzzInvariantViolation) {
        guard let envelope = try? WSLinkEnvelope(decoding: payload) else { return }
        try checkRoundTrip(envelope)
    }

    static func checkRoundTrip(_ envelope: WSLinkEnvelope) throws(FuzzInvariantViolation) {
        do {
            let again = try WSLinkEnvelope(decoding: envelope.encoded(), limits: .unlimited)
            try FuzzInvariantViolation.require(again == envelope, "envelope \(envelope) came back as \(again)")
        } catch let error as FuzzInvariantViolation {
            throw error
        } catch {
            throw FuzzInvariantViolation("envelope \(envelope) does not decode from its own encoding: \(error)")
        }
    }
}
