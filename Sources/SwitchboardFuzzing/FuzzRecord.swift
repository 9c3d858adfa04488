/// A Codable type with every shape `MsgPackDecoder` handles: keyed, unkeyed, single value,
/// optionals, nesting, integers of several widths, floats, strings and an enum.
struct FuzzRecord: Codable {
    enum Kind: String, Codable {
        case alpha, beta
    }

    var name: String
    var count: Int32
    var small: UInt8?
    var ratio: Double?
    var fraction: Float?
    var flags: [Bool]
    var table: [String: Int64]?
    var kind: Kind?
    var children: [FuzzRecord]?

    /// Field-by-field equality with floats compared by bit pattern (NaN is a valid payload).
    func isSame(as other: FuzzRecord) -> Bool {
        guard name == other.name, count == other.count, small == other.small, flags == other.flags, table == other.table,
            kind == other.kind, ratio?.bitPattern == other.ratio?.bitPattern, fraction?.bitPattern == other.fraction?.bitPattern,
            children?.count == other.children?.count
        else { return false }
        return zip(children ?? [], other.children ?? []).allSatisfy { $0.isSame(as: $1) }
    }
}
