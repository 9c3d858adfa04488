import Foundation
import SwitchboardCore

/// Where the client commands write: stdout carries only JSON, one compact value per line and
/// unbuffered (a listener's lines reach a pipe as they arrive); stderr carries notes and errors.
enum ClientOutput {
    /// Writes `value` as one line of compact JSON on stdout.
    static func json(_ value: JSONValue) {
        write(value.encoded(.compact) + "\n", to: .standardOutput)
    }

    /// Writes `switchboard: <text>` on stderr.
    static func note(_ text: String) {
        write("switchboard: \(text)\n", to: .standardError)
    }

    private static func write(_ text: String, to handle: FileHandle) {
        // A reader that went away (EPIPE) is not worth a crash report; the exit status stays.
        try? handle.write(contentsOf: Data(text.utf8))
    }
}
