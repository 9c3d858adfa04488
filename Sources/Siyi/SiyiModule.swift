/// Home of the Siyi protocol adapter; filled by its own issue.
public enum SiyiModule {
    /// The protocol name used in logs and listener lines.
    public static let protocolName = "siyi"
}
