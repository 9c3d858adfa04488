// swift-tools-version:6.2
import Foundation
import PackageDescription

// A package outside Switchboard, as a user would write it: it depends on the repository by
// path and uses only the umbrella product. A path dependency's identity is its directory's
// name, which depends on where the repository was cloned, so it is computed here.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let switchboard = Target.Dependency.product(name: "Switchboard", package: repository.lastPathComponent)

let package = Package(
    name: "Downstream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "downstream-server", targets: ["downstream-server"]),
        .executable(name: "downstream-client", targets: ["downstream-client"]),
    ],
    dependencies: [.package(path: "../..")],
    targets: [
        // The protocol and services, as a library so the client shares the topic and names.
        .target(name: "DownstreamServer", dependencies: [switchboard]),
        .executableTarget(name: "downstream-server", dependencies: ["DownstreamServer", switchboard]),
        .executableTarget(name: "downstream-client", dependencies: ["DownstreamServer", switchboard]),
    ]
)
