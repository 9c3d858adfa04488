public import SwitchboardCore

/// Python's `string.Template(text).safe_substitute(mapping)`, the way wslink's launcher fills
/// `${port}`, `$secret`, `${id}`… into command lines and URLs: `$$` is a literal `$`, names are
/// `[_A-Za-z][_A-Za-z0-9]*`, and unknown names stay as written.
///
/// ```swift
/// TemplateSubstitution.substitute("--port ${port} $$x $nope", [.init(key: "port", value: 9001)])
/// // "--port 9001 $x $nope"
/// ```
public enum TemplateSubstitution {
    /// Fills `template` with `variables` in one pass (the first member wins for a repeated key).
    public static func substitute(_ template: String, _ variables: [JSONValue.Pair]) -> String {
        let scalars = Array(template.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        func lookup(_ name: String) -> String? {
            variables.first { $0.key == name }.map { pythonString($0.value) }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$", index + 1 < scalars.count else {
                output.append(scalar)
                index += 1
                continue
            }
            let next = scalars[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
            } else if next == "{" {
                var end = index + 2
                while end < scalars.count && isIdentifier(scalars[end], first: end == index + 2) { end += 1 }
                let name = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                if end > index + 2, end < scalars.count, scalars[end] == "}", let value = lookup(name) {
                    output.append(contentsOf: value.unicodeScalars)
                    index = end + 1
                } else {
                    output.append(scalar)
                    index += 1
                }
            } else {
                var end = index + 1
                while end < scalars.count && isIdentifier(scalars[end], first: end == index + 1) { end += 1 }
                let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
                if end > index + 1, let value = lookup(name) {
                    output.append(contentsOf: value.unicodeScalars)
                    index = end
                } else {
                    output.append(scalar)
                    index += 1
                }
            }
        }
        return String(output)
    }

    /// wslink's `replaceVariables`: one `safe_substitute` pass per variable set, in order (the
    /// session's values, then `properties`).
    public static func substitute(_ template: String, passes: [[JSONValue.Pair]]) -> String {
        passes.reduce(template) { text, variables in substitute(text, variables) }
    }

    /// Python's `str(value)` for JSON values: strings as they are, `True`/`False`/`None`,
    /// integers in decimal; arrays and objects as compact JSON.
    public static func pythonString(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        case .integer(let number): String(number)
        case .double(let number): number.isFinite ? "\(number)" : (number.isNaN ? "nan" : (number > 0 ? "inf" : "-inf"))
        case .array, .object: value.encoded(.python)
        }
    }

    private static func isIdentifier(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        switch scalar {
        case "_", "a"..."z", "A"..."Z": true
        case "0"..."9": !first
        default: false
        }
    }
}
