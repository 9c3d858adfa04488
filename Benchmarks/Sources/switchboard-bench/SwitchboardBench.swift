import ArgumentParser
import Foundation

/// The load generator of issue 7. Its last line is the contract scripts parse:
/// `scenario=<name> msgs_per_s=<x> p50_ms=<x> p99_ms=<x> errors=<n>` followed by more fields.
@main
struct SwitchboardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard-bench",
        abstract: "Drive a WebSocket server (Switchboard or a Python original) and report throughput and latency.",
        discussion: """
            Scenarios: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).
            The last line is: scenario=<name> msgs_per_s=<x> p50_ms=<x> p99_ms=<x> errors=<n> [more key=value fields].
            """
    )

    @Argument(help: "The scenario: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario

    @Option(help: "Server URL (ws://host:port/path): /echo or an echo server for echo, /ws for wslink, the CrossComm or siyi port.")
    var url: String

    @Option(name: .customLong("also-url"), help: "A further server URL (a cluster node; repeatable): connection i opens the (i mod n)-th of --url and these.")
    var alsoURLs: [String] = []

    @Option(help: "Connections (default: 16; 1 for wslink-binary; 1000 for idle-sessions). crosscomm-forward rounds up to pairs.")
    var clients: Int?

    @Option(help: "Measured seconds (idle-sessions: seconds to settle before memory is read).")
    var duration: Double = 5

    @Option(help: "Seconds run before measuring starts (default: a fifth of the duration, at most 1).")
    var warmup: Double?

    @Option(help: "Server process id: its CPU% and RSS are read from /proc.")
    var serverPID: Int32?

    @Option(name: .customLong("also-server-pid"), help: "A further server process (repeatable): CPU% and RSS are summed over all.")
    var alsoServerPIDs: [Int32] = []

    @Option(help: "Payload bytes (echo, wslink-rpc (0 = demo.add, else demo.echo of that many bytes), publish, crosscomm, siyi; wslink-binary: result size, default 64 MiB).")
    var payload: Int?

    @Flag(help: "echo: send text messages instead of binary.")
    var text = false

    @Option(help: "Requests outstanding per connection (pipelining window).")
    var inflight: Int = 1

    @Option(help: "Total requests per second across connections, paced (0 = flat out). wslink-publish: the publish rate passed to demo.flood.")
    var rate: Int = 0

    @Option(help: "wslink-publish: publishes per demo.flood call.")
    var batch: Int = 100

    @Option(help: "wslink-publish: only the first N connections announce the flood topic (wslink.subscribe); the others announce another topic (0 = nobody announces, all receive).")
    var listeners: Int = 0

    @Option(help: "Event loop threads (default: the CPUs this process may run on).")
    var threads: Int?

    @Option(help: "wslink secret for the hello.")
    var secret: String = "wslink-secret"

    @Option(help: "idle-sessions: wslink (hello on each session) or raw (WebSocket only).")
    var idleProtocol: IdleProtocol = .wslink

    @Option(help: "Seconds to wait after every connection is ready before the first message (cluster nodes learn who is online where).")
    var settle: Double = 0

    @Option(help: "Seconds allowed for every connection to be ready.")
    var connectTimeout: Double = 60

    enum Scenario: String, CaseIterable, ExpressibleByArgument {
        case echo
        case wslinkRPC = "wslink-rpc"
        case wslinkPublish = "wslink-publish"
        case wslinkBinary = "wslink-binary"
        case crosscommForward = "crosscomm-forward"
        case siyiRequest = "siyi-request"
        case idleSessions = "idle-sessions"
    }

    enum IdleProtocol: String, ExpressibleByArgument { case wslink, raw }

    func validate() throws {
        guard BenchURL(url) != nil, alsoURLs.allSatisfy({ BenchURL($0) != nil }) else {
            throw ValidationError("--url and --also-url must be ws://host:port/path")
        }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard (clients ?? 1) > 0, inflight > 0, rate >= 0, (threads ?? 1) > 0 else {
            throw ValidationError("--clients, --inflight and --threads must be positive, --rate not negative")
        }
    }

    func run() throws {
        let runner = BenchRunner(settings: settings())
        let report = try runner.run()
        for line in report.details { print(line) }
        print(report.contractLine)
        if report.failed { throw ExitCode(2) }
    }

    private func settings() -> BenchRunner.Settings {
        var clients = clients ?? (scenario == .wslinkBinary ? 1 : scenario == .idleSessions ? 1000 : 16)
        if scenario == .crosscommForward { clients += clients % 2 }
        let defaultPayload = switch scenario {
        case .wslinkBinary: 64 << 20
        case .wslinkRPC, .idleSessions: 0
        default: 64
        }
        return BenchRunner.Settings(
            scenario: scenario,
            url: BenchURL(url)!,
            alsoURLs: alsoURLs.compactMap(BenchURL.init),
            clients: clients,
            duration: duration,
            warmup: scenario == .idleSessions ? 0 : warmup ?? min(1, duration / 5),
            serverPID: serverPID,
            alsoServerPIDs: alsoServerPIDs,
            payload: payload ?? defaultPayload,
            binary: !text,
            inflight: inflight,
            rate: rate,
            batch: batch,
            listeners: listeners,
            threads: threads ?? ProcessSample.allowedCPUCount(),
            secret: secret,
            idleProtocol: idleProtocol,
            connectTimeout: connectTimeout,
            settle: settle
        )
    }
}
