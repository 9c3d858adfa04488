/// Home of the WSLink protocol adapter; filled by its own issue.
public enum WSLinkModule {
    /// The protocol name used in logs and listener lines.
    public static let protocolName = "wslink"
}
