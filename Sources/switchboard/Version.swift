/// The release of Switchboard this binary belongs to, as `switchboard --version` prints it.
enum SwitchboardVersion {
    /// The package's semantic version (the js-client package versions itself separately).
    static let current = "0.2.0"
}
