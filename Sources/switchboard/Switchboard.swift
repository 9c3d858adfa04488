import ArgumentParser

/// `switchboard`: run a Switchboard server (`serve`, also what `switchboard` alone does) or talk
/// to any wslink, CrossComm or siyi server from a script (`wslink`, `crosscomm`, `siyi`).
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "WebSocket server and command-line clients for the wslink, CrossComm and siyi protocols.",
        version: SwitchboardVersion.current,
        subcommands: [ServeCommand.self, LauncherCommand.self, WSLinkCommand.self, CrossCommCommand.self, SiyiCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
