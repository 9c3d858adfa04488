import CrossComm
import SwitchboardCore

/// CrossComm: one message as a text frame and as a binary frame (the hub accepts both).
enum CrossCommHarness {
    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let fromBinary = try? CrossCommMessage(decoding: .binary(input))
        if let message = fromBinary { try checkRoundTrip(message) }
        guard let text = String(validating: input, as: UTF8.self) else { return }
        let fromText = try? CrossCommMessage(decoding: .text(text))
        // Compared as encoded text: content may hold NaN, which never equals itself.
        try FuzzInvariantViolation.require(fromText?.encoded == fromBinary?.encoded, "the same UTF-8 message decodes differently as text and as binary")
    }

    /// What the hub forwards (`encoded`) reads back as the same message.
    static func checkRoundTrip(_ message: CrossCommMessage) throws(FuzzInvariantViolation) {
        do {
            let again = try CrossCommMessage(decoding: message.frame)
            try FuzzInvariantViolation.require(again.encoded == message.encoded, "message changed on re-encoding: \(message.encoded) → \(again.encoded)")
        } catch let error as FuzzInvariantViolation {
            throw error
        } catch {
            throw FuzzInvariantViolation("our own encoding \(message.encoded) does not decode: \(error)")
        }
    }
}
