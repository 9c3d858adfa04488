/// Home of the CrossComm protocol adapter; filled by its own issue.
public enum CrossCommModule {
    /// The protocol name used in logs and listener lines.
    public static let protocolName = "crosscomm"
}
