import Siyi
import SwitchboardCore

/// siyi: one message from bytes and from text; what we would send reads back the same.
enum SiyiHarness {
    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let fromBytes = try? SiyiMessage(decoding: input)
        if let message = fromBytes { try checkRoundTrip(message) }
        guard let text = String(validating: input, as: UTF8.self) else { return }
        let fromText = try? SiyiMessage(decoding: text)
        // A missing id is filled with a fresh random one, so compare only when one was sent.
        if let fromText, let fromBytes, fromText.id == fromBytes.id {
            // Compared as encoded text: params may hold NaN, which never equals itself.
            try FuzzInvariantViolation.require(fromText.encoded() == fromBytes.encoded(), "the same UTF-8 message decodes differently as text and as bytes")
        } else {
            try FuzzInvariantViolation.require((fromText == nil) == (fromBytes == nil), "text and bytes disagree on whether the message is valid")
        }
    }

    static func checkRoundTrip(_ message: SiyiMessage) throws(FuzzInvariantViolation) {
        let text = message.encoded()
        do {
            let again = try SiyiMessage(decoding: text)
            try FuzzInvariantViolation.require(again.encoded() == text, "message changed on re-encoding: \(text) → \(again.encoded())")
        } catch let error as FuzzInvariantViolation {
            throw error
        } catch {
            throw FuzzInvariantViolation("our own encoding \(text) does not decode: \(error)")
        }
    }
}
