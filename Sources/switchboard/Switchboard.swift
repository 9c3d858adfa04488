import ArgumentParser

/// `switchboard`: run a Switchboard server. `switchboard` alone is `switchboard serve`.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "WebSocket server for the wslink, CrossComm and siyi protocols.",
        version: SwitchboardVersion.current,
        subcommands: [ServeCommand.self, WSLinkCommand.self, CrossCommCommand.self, SiyiCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
