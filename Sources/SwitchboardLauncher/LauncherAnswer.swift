public import SwitchboardCore

/// An HTTP answer of the session-manager endpoint: a status and a JSON body, with the texts
/// of wslink's launcher for its errors.
public struct LauncherAnswer: Sendable, Equatable {
    /// HTTP status.
    public var status: Int
    /// JSON body; failures are `{"error": "<text>"}`.
    public var body: JSONValue

    /// Creates an answer.
    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }

    /// `{"error": message}` with `status`.
    public static func error(_ status: Int, _ message: String) -> LauncherAnswer {
        LauncherAnswer(status: status, body: .object([.init(key: "error", value: .string(message))]))
    }

    /// 400: the body is not a JSON object with `application`.
    public static let incomplete = error(400, "The request is not complete")
    /// 503: every port of the pool is in use.
    public static let resourcesTaken = error(503, "All the resources are currently taken")
    /// 503: the ready line did not appear within `configuration.timeout`.
    public static let startTimedOut = error(503, "Session did not start before timeout expired. Check session logs.")

    /// 503: the command could not be started (or ended before it was ready); wslink appends the
    /// command line as a Python list.
    public static func notStarted(_ command: [String]) -> LauncherAnswer {
        error(503, "The process did not properly start. [" + command.map(pythonRepr).joined(separator: ", ") + "]")
    }

    /// Python's `repr` of a string (single quotes unless the text has one and no double quote).
    static func pythonRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var output = String(quote)
        for character in text {
            switch character {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case quote: output += "\\\(quote)"
            default: output.append(character)
            }
        }
        output.append(quote)
        return output
    }
}
