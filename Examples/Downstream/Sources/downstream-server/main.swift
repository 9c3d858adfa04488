import DownstreamServer
import Foundation
import Switchboard

// A whole server in a few lines: wslink with @Exposed RPCs and a topic published every
// second, a static page, a CrossComm hub and a siyi endpoint. Ports from the environment
// (DOWNSTREAM_PORT, DOWNSTREAM_CROSSCOMM_PORT, DOWNSTREAM_SIYI_PORT; 0 picks free ones).
let environment = ProcessInfo.processInfo.environment
func port(_ name: String, _ fallback: Int) -> Int { environment[name].flatMap(Int.init) ?? fallback }

SwitchboardApplication.bootstrapLogging(level: .info)
let logger = Logger(label: "downstream")
let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Public").standardized.path
let configuration = SwitchboardApplication.Configuration.downstream(
    port: port("DOWNSTREAM_PORT", 8080),
    crossCommPort: port("DOWNSTREAM_CROSSCOMM_PORT", 9898),
    siyiPort: port("DOWNSTREAM_SIYI_PORT", 8765),
    staticFiles: environment["DOWNSTREAM_PUBLIC"] ?? page,
    logger: logger
)
let application = try SwitchboardApplication(configuration: configuration, logger: logger)
let ticker = Ticker(publisher: application.wslink!.publisher)
try await ServiceGroup(services: [application, ticker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
