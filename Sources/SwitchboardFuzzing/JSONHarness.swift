import SwitchboardCore

/// SwitchboardCore's JSON parser: bytes and text entry points agree, every write style
/// re-parses, and writing is stable (compared as text: NaN never equals itself).
enum JSONHarness {
    static let styles: [JSONWritingStyle] = [.compact, .python, .pythonCompact]

    static func run(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let options = JSONParseOptions(maxDepth: 64, allowNonFiniteNumbers: input.first.map { $0 & 1 == 0 } ?? true)
        let fromBytes = try? JSONValue(parsing: input, options: options)
        if let text = String(validating: input, as: UTF8.self) {
            let fromText = try? JSONValue(parsing: text, options: options)
            try FuzzInvariantViolation.require(
                fromText?.encoded(.compact) == fromBytes?.encoded(.compact), "text and bytes parse differently")
        }
        guard let value = fromBytes else { return }
        for style in styles {
            let written = value.encoded(style)
            do {
                let again = try JSONValue(parsing: written, options: JSONParseOptions(maxDepth: 64, allowNonFiniteNumbers: true))
                try FuzzInvariantViolation.require(again.encoded(style) == written, "\(style) writing is not stable: \(written) → \(again.encoded(style))")
            } catch let error as FuzzInvariantViolation {
                throw error
            } catch {
                throw FuzzInvariantViolation("our own \(style) output \(written) does not parse: \(error)")
            }
        }
    }
}
