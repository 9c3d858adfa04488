import MsgPack
import SwitchboardCore
import WSLink

/// wslink 1.x: JSON text frames and binary attachments into a fresh connection. The first
/// frame is forced to text so the machine picks generation 1.x as a real 1.x client makes it.
enum WSLinkV1Harness {
    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        var driver = WSLinkMachineDriver()
        for (index, frame) in FuzzFrames(input).enumerated() {
            if frame.isText || index == 0 {
                let text = String(decoding: frame.bytes, as: UTF8.self)
                try driver.receive(.text(text))
                try checkText(text)
            } else {
                try driver.receive(.binary(Array(frame.bytes)))
            }
        }
    }

    /// A 1.x message that decodes to an envelope goes back out as 1.x JSON that decodes to
    /// the same envelope (attachments included), as a peer would read it.
    static func checkText(_ text: String) throws(FuzzInvariantViolation) {
        guard let json = try? WSLinkV1Codec.parse(text), let envelope = try? WSLinkEnvelope(WSLinkV1Codec.value(from: json)) else { return }
        var key = 0
        let frames: [Frame]
        do {
            frames = try WSLinkV1Codec.frames(for: envelope, style: WSLinkV1Codec.clientStyle) {
                key += 1
                return key
            }
        } catch {
            // Only values JSON cannot carry (ext, timestamps, huge unsigned) may fail; none come from JSON.
            throw FuzzInvariantViolation("envelope parsed from 1.x JSON cannot be re-sent: \(error)")
        }
        guard frames.count == 1, case .text(let sent)? = frames.last, let reparsed = try? WSLinkV1Codec.parse(sent),
            let again = try? WSLinkEnvelope(WSLinkV1Codec.value(from: reparsed))
        else {
            throw FuzzInvariantViolation("re-sent 1.x message \(envelope) is not one readable JSON frame")
        }
        try FuzzInvariantViolation.require(again == envelope, "1.x envelope \(envelope) came back as \(again)")
    }
}
