extension MsgPackValue: ExpressibleByNilLiteral {
    /// `nil` in a literal context is msgpack `nil`.
    @inlinable
    public init(nilLiteral: ()) { self = .nil }
}

extension MsgPackValue: ExpressibleByBooleanLiteral {
    /// A boolean literal is msgpack `true` / `false`.
    @inlinable
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension MsgPackValue: ExpressibleByIntegerLiteral {
    /// An integer literal is `.int`.
    @inlinable
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension MsgPackValue: ExpressibleByFloatLiteral {
    /// A float literal is `.double`, as in Python, where every `float` is a float64.
    @inlinable
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension MsgPackValue: ExpressibleByStringLiteral {
    /// A string literal is `.string`.
    @inlinable
    public init(stringLiteral value: String) { self = .string(value) }
}

extension MsgPackValue: ExpressibleByArrayLiteral {
    /// An array literal is `.array`.
    @inlinable
    public init(arrayLiteral elements: MsgPackValue...) { self = .array(elements) }
}

extension MsgPackValue: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is `.map`, keeping the written order (and any repeated keys).
    public init(dictionaryLiteral elements: (MsgPackValue, MsgPackValue)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}
