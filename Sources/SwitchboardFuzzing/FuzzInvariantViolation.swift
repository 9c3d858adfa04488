/// A property the harness checks beyond "no crash" did not hold.
public struct FuzzInvariantViolation: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// Throws when `condition` is false; `message` is built only then.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzInvariantViolation) {
        guard condition else { throw FuzzInvariantViolation(message()) }
    }
}
