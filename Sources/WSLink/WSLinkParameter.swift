public import MsgPack

/// How a handler parameter is matched to a call: its keyword name, and the value used when
/// the caller passes neither a positional nor a keyword argument for it.
///
/// A string literal is a required parameter:
///
/// ```swift
/// router.expose("demo.add", parameters: "a", .init("b", default: 0)) { (a: Int, b: Int) in a + b }
/// // call("demo.add", [2, 3]) == 5, call("demo.add", [40], {b: 2}) == 42, call("demo.add", [1]) == 1
/// ```
public struct WSLinkParameter: Sendable, Hashable, ExpressibleByStringLiteral {
    /// The keyword name (Python's parameter name).
    public var name: String
    /// The value used when the argument is missing; `nil` makes the parameter required
    /// (unless its type is `Optional`, which then receives `nil`).
    public var defaultValue: MsgPackValue?

    /// A parameter named `name`, optionally with a default.
    public init(_ name: String, default defaultValue: MsgPackValue? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }

    /// A parameter whose default is any `Encodable` value (what `@Exposed` emits for a
    /// Swift default argument, e.g. `WSLinkParameter("b", defaultEncoding: 0 as Int)`).
    /// A default that cannot be encoded is a programming error.
    public init<Value: Encodable>(_ name: String, defaultEncoding value: Value) {
        do {
            self.init(name, default: try MsgPackEncoder().encodeToValue(value))
        } catch {
            preconditionFailure("default value of wslink parameter \(name) cannot be encoded: \(error)")
        }
    }

    /// A required parameter.
    public init(stringLiteral name: String) {
        self.init(name)
    }
}

/// The result of a handler that returns nothing: sent as `null` (Python's `None`).
public struct WSLinkNoResult: Encodable, Sendable, Hashable {
    /// The empty result.
    public init() {}

    /// Encodes `nil`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}

/// The arguments of one call as the handler's router sees them.
public struct WSLinkCall: Sendable, Hashable {
    /// The method that was called.
    public var method: String
    /// Positional arguments.
    public var args: [MsgPackValue]
    /// Keyword arguments.
    public var kwargs: WSLinkKeywords

    /// Creates a call.
    public init(method: String, args: [MsgPackValue] = [], kwargs: WSLinkKeywords = WSLinkKeywords()) {
        self.method = method
        self.args = args
        self.kwargs = kwargs
    }
}

/// Hands out a call's arguments to a handler's parameters in order, as Python binds
/// `method(*args, **kwargs)`: positional first, then by keyword, then the default.
final class WSLinkArgumentReader {
    private let call: WSLinkCall
    private let parameters: [WSLinkParameter]
    private let arity: Int
    private var index = 0
    private let decoder = MsgPackDecoder()

    init(call: WSLinkCall, parameters: [WSLinkParameter], arity: Int) throws(WSLinkArgumentError) {
        self.call = call
        self.parameters = parameters
        self.arity = arity
        if call.args.count > arity {
            throw WSLinkArgumentError("\(call.method)() takes \(arity) positional arguments but \(call.args.count) were given")
        }
        let names = Set(parameters.map(\.name))
        for name in call.kwargs.names where !names.contains(name) {
            throw WSLinkArgumentError("\(call.method)() got an unexpected keyword argument '\(name)'")
        }
        for (position, parameter) in parameters.enumerated() where position < call.args.count && call.kwargs[parameter.name] != nil {
            throw WSLinkArgumentError("\(call.method)() got multiple values for argument '\(parameter.name)'")
        }
    }

    func next<Value: Decodable>(_ type: Value.Type) throws -> Value {
        defer { index += 1 }
        let parameter = index < parameters.count ? parameters[index] : nil
        let label = parameter.map { "'\($0.name)'" } ?? "#\(index + 1)"
        let raw: MsgPackValue?
        if index < call.args.count {
            raw = call.args[index]
        } else if let parameter, let keyword = call.kwargs[parameter.name] {
            raw = keyword
        } else {
            raw = parameter?.defaultValue
        }
        do {
            return try decoder.decode(Value.self, from: raw ?? .nil)
        } catch {
            if raw == nil { throw WSLinkArgumentError("\(call.method)() missing required argument \(label)") }
            throw WSLinkArgumentError("\(call.method)() argument \(label) is not a \(Value.self): \(error)")
        }
    }
}

/// A call whose arguments do not fit the handler; reported like Python's `TypeError`.
struct WSLinkArgumentError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { "TypeError('\(message)')" }
}
