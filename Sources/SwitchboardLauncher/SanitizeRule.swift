public import SwitchboardCore

/// One `configuration.sanitize` entry: a client-supplied value that fails its check is replaced
/// by `default` before any template is filled in, as wslink's `checkSanitize` does.
///
/// ```json
/// "sanitize": {
///   "file": { "type": "regexp", "regexp": "^[a-z]+\\.vtk$", "default": "cone.vtk" },
///   "mode": { "type": "inList", "list": ["fast", "slow"], "default": "fast" }
/// }
/// ```
public struct SanitizeRule: Sendable, Equatable {
    /// How a value is checked.
    public enum Check: Sendable, Equatable {
        /// `inList`: the value must equal one of these.
        case inList([JSONValue])
        /// `regexp`: the pattern must match at the start of the value (Python's `re.match`;
        /// write `^…$` to match the whole string). Non-string values fail.
        case regexp(String)
    }

    /// The session key this rule checks (a posted field, or a property).
    public var key: String
    /// The check.
    public var check: Check
    /// The replacement for a value that fails the check.
    public var defaultValue: JSONValue

    /// Creates a rule.
    public init(key: String, check: Check, defaultValue: JSONValue) {
        self.key = key
        self.check = check
        self.defaultValue = defaultValue
    }

    /// Parses a rule from its configuration object. A rule needs a `default` (wslink fails
    /// the request later without one) and a regular expression that compiles.
    init(key: String, json: JSONValue) throws(LauncherError) {
        guard let defaultValue = json["default"] else {
            throw LauncherError(.invalidConfiguration, "sanitize.\(key) has no default")
        }
        switch json["type"]?.stringValue {
        case "inList":
            guard let list = json["list"]?.arrayValue else {
                throw LauncherError(.invalidConfiguration, "sanitize.\(key).list must be a list")
            }
            check = .inList(list)
        case "regexp":
            guard let pattern = json["regexp"]?.stringValue, (try? Regex(pattern)) != nil else {
                throw LauncherError(.invalidConfiguration, "sanitize.\(key).regexp must be a valid regular expression")
            }
            check = .regexp(pattern)
        default:
            throw LauncherError(.invalidConfiguration, "sanitize.\(key).type must be inList or regexp")
        }
        self.key = key
        self.defaultValue = defaultValue
    }

    /// Whether `value` passes the check.
    public func accepts(_ value: JSONValue) -> Bool {
        switch check {
        case .inList(let list):
            return list.contains(value)
        case .regexp(let pattern):
            guard let text = value.stringValue, let regex = try? Regex(pattern) else { return false }
            return (try? regex.prefixMatch(in: text)) != nil
        }
    }

    /// Replaces every value in `pairs` that one of `rules` rejects by that rule's default;
    /// returns the keys that were replaced.
    @discardableResult
    public static func apply(_ rules: [SanitizeRule], to pairs: inout [JSONValue.Pair]) -> [String] {
        var replaced: [String] = []
        for rule in rules {
            for index in pairs.indices where pairs[index].key == rule.key && !rule.accepts(pairs[index].value) {
                pairs[index].value = rule.defaultValue
                replaced.append(rule.key)
            }
        }
        return replaced
    }
}
