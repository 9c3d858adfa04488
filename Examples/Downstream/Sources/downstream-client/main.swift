import DownstreamServer
import Foundation
import Switchboard

// The Swift client side of the downstream example: calls both RPCs, waits for a tick, logs in
// to the hub and lists its clients, and asks the siyi endpoint to uppercase a word. Prints one
// line per check and exits 0 only when all of them passed.
//
//     downstream-client ws://127.0.0.1:8080/ws ws://127.0.0.1:9898 ws://127.0.0.1:8765
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: downstream-client WSLINK-URL CROSSCOMM-URL SIYI-URL\n".utf8))
    exit(64)
}
try await DownstreamChecks.run(urls: Array(arguments), within: .seconds(30))
print("downstream client: all checks passed")
