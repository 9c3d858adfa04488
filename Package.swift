// swift-tools-version:6.2
import CompilerPluginSupport
import PackageDescription

/// Settings every Switchboard target shares (ARCHITECTURE.md §5.11).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Switchboard",
    platforms: [.macOS(.v15)],
    products: [
        // `import Switchboard`: everything a server or client needs, including the @Exposed macros.
        .library(name: "Switchboard", targets: ["Switchboard"]),
        .library(name: "SwitchboardApplication", targets: ["SwitchboardApplication"]),
        .library(name: "MsgPack", targets: ["MsgPack"]),
        .library(name: "SwitchboardCore", targets: ["SwitchboardCore"]),
        .library(name: "WSLink", targets: ["WSLink"]),
        .library(name: "CrossComm", targets: ["CrossComm"]),
        .library(name: "Siyi", targets: ["Siyi"]),
        .library(name: "SwitchboardWebSocket", targets: ["SwitchboardWebSocket"]),
        .library(name: "SwitchboardTesting", targets: ["SwitchboardTesting"]),
        .library(name: "SwitchboardLauncher", targets: ["SwitchboardLauncher"]),
        .library(name: "SwitchboardPostgres", targets: ["SwitchboardPostgres"]),
        .library(name: "SwitchboardSQLite", targets: ["SwitchboardSQLite"]),
        .library(name: "SwitchboardAuth", targets: ["SwitchboardAuth"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "SwitchboardFuzzing", targets: ["SwitchboardFuzzing"]),
        .executable(name: "switchboard-bench", targets: ["switchboard-bench"]),
        .executable(name: "switchboard-echo", targets: ["switchboard-echo"]),
        .executable(name: "switchboard-soak", targets: ["switchboard-soak"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax.git", from: "603.0.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `swift package generate-documentation` (scripts/test builds the DocC catalogues).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // HMAC-SHA1 for the file store's OSS signatures (CrossComm; no I/O).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        // Test certificates made in Swift (both already resolved through jwt-kit).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // MARK: foundation (issue 2)

        .target(name: "MsgPack", swiftSettings: strictSettings),
        .target(
            name: "SwitchboardCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchboardWebSocket",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCompression", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchboardTesting",
            dependencies: [
                "SwitchboardCore", "MsgPack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardCore", "SwitchboardWebSocket", "WSLink", "CrossComm", "Siyi",
                "SwitchboardLauncher", "SwitchboardApplication", "SwitchboardPostgres", "SwitchboardSQLite",
                "SwitchboardAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "MsgPackTests", dependencies: ["MsgPack", "SwitchboardTesting"], swiftSettings: strictSettings),
        .testTarget(
            name: "SwitchboardCoreTests",
            dependencies: [
                "SwitchboardCore", "SwitchboardTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardTestingTests",
            dependencies: ["SwitchboardTesting", "SwitchboardCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardWebSocketTests",
            dependencies: [
                "SwitchboardWebSocket", "SwitchboardCore", "SwitchboardTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: wslink (issue 3) — module, tests, examples

        .target(
            name: "WSLink",
            dependencies: [
                "SwitchboardCore", "MsgPack",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WSLinkTests",
            dependencies: [
                "WSLink", "MsgPack", "SwitchboardCore", "SwitchboardTesting", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // @Exposed: the only wslink targets that pull in swift-syntax (WSLink, the CLI and
        // benchmarks must not: it adds minutes to every clean build).
        .macro(
            name: "WSLinkMacros",
            dependencies: [
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            path: "Sources/WSLinkMacros/Implementation",
            swiftSettings: strictSettings
        ),
        .target(
            name: "WSLinkExposed",
            dependencies: ["WSLink", "WSLinkMacros"],
            path: "Sources/WSLinkMacros/Declarations",
            swiftSettings: strictSettings
        ),
        .target(
            name: "WSLinkServerExample",
            dependencies: ["WSLinkExposed", "WSLink", "MsgPack"],
            path: "Examples/WSLinkServer/Sources/WSLinkServerExample",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "wslink-server-example",
            dependencies: [
                "WSLinkServerExample", "WSLinkExposed", "WSLink", "MsgPack", "SwitchboardCore", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/WSLinkServer/Sources/wslink-server-example",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WSLinkMacrosTests",
            dependencies: [
                "WSLinkMacros", "WSLinkExposed", "WSLinkServerExample", "WSLink", "MsgPack", "SwitchboardCore", "SwitchboardTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: CrossComm (issue 4) — module, tests, examples

        .target(
            name: "CrossComm",
            dependencies: [
                "SwitchboardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CrossCommTests",
            dependencies: [
                "CrossComm", "SwitchboardCore", "SwitchboardTesting", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "CrossCommChat",
            dependencies: [
                "CrossComm", "SwitchboardCore", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/CrossCommChat",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // MARK: siyi (issue 5) — module, tests, examples

        .target(
            name: "Siyi",
            dependencies: [
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SiyiTests",
            dependencies: [
                "Siyi", "SwitchboardCore", "SwitchboardTesting", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SiyiDemo",
            dependencies: [
                "Siyi", "SwitchboardCore", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/SiyiDemo",
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),

        // MARK: launcher (issue 18) — wslink-compatible process launcher and session proxy

        .target(
            name: "SwitchboardLauncher",
            dependencies: [
                // OriginPolicy and CORSPolicy for the launch endpoint (no HTTP server of theirs is used).
                "SwitchboardCore", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardLauncherTests",
            dependencies: [
                "SwitchboardLauncher", "SwitchboardCore", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: application (issue 15) — one configurable server, and the umbrella product

        // The server type `switchboard serve` is built on. No macros here: the CLI must not pay
        // for swift-syntax.
        .target(
            name: "SwitchboardApplication",
            dependencies: [
                "SwitchboardCore", "SwitchboardWebSocket", "WSLink", "CrossComm", "Siyi", "MsgPack",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // `import Switchboard`: re-exports the application, Core, the WebSocket transport, WSLink
        // with @Exposed/@WSLinkProtocol, CrossComm, Siyi and MsgPack.
        .target(
            name: "Switchboard",
            dependencies: [
                "SwitchboardApplication", "SwitchboardCore", "SwitchboardWebSocket", "WSLink", "WSLinkExposed",
                "CrossComm", "Siyi", "MsgPack",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/SwitchboardUmbrella",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardApplicationTests",
            dependencies: [
                "Switchboard", "SwitchboardApplication", "SwitchboardCore", "SwitchboardWebSocket", "SwitchboardTesting", "SwitchboardFaultInjection",
                "WSLink", "CrossComm", "Siyi", "MsgPack",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: cluster (issue 17) — PostgreSQL broker; the only target importing postgres-nio

        .target(
            name: "SwitchboardPostgres",
            dependencies: [
                "SwitchboardCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // State that survives a restart (issue 17): the only target importing sqlite-nio.
        .target(
            name: "SwitchboardSQLite",
            dependencies: [
                "CrossComm",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardSQLiteTests",
            dependencies: [
                "SwitchboardSQLite", "CrossComm", "SwitchboardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: authenticated identities (issue 16) — the only target importing jwt-kit

        .target(
            name: "SwitchboardAuth",
            dependencies: [
                "SwitchboardCore",
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardAuthTests",
            dependencies: ["SwitchboardAuth", "SwitchboardCore", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: strictSettings
        ),

        // MARK: end of protocol sections

        // MARK: - fuzzing (issue 8)

        // Harness functions, one per fuzz target; replayed by the tests, driven by libFuzzer
        // through the env-gated `switchboard-fuzz` executable below.
        .target(
            name: "SwitchboardFuzzing",
            dependencies: [
                "MsgPack", "SwitchboardCore", "WSLink", "CrossComm", "Siyi", "SwitchboardWebSocket",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardFuzzingTests",
            dependencies: ["SwitchboardFuzzing", "SwitchboardTesting"],
            swiftSettings: strictSettings
        ),

        // MARK: - benchmarks (issue 7) — load generator and raw echo server

        .executableTarget(
            name: "switchboard-bench",
            dependencies: [
                "MsgPack", "SwitchboardCore", "WSLink", "CrossComm", "Siyi", "SwitchboardFaultInjection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/Sources/switchboard-bench",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard-profile-server",
            dependencies: [
                "SwitchboardCore", "SwitchboardWebSocket", "WSLink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/Sources/switchboard-profile-server",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard-echo",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            path: "Benchmarks/Sources/switchboard-echo",
            swiftSettings: strictSettings
        ),

        // MARK: - robustness (issue 8) — fault injection, slow consumers, soak

        .target(
            name: "SwitchboardFaultInjection",
            dependencies: [
                "SwitchboardCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchboardFaultInjectionTests",
            dependencies: [
                "SwitchboardFaultInjection", "SwitchboardCore", "SwitchboardTesting", "SwitchboardWebSocket",
                "WSLink", "CrossComm", "Siyi", "MsgPack",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchboard-soak",
            dependencies: [
                "SwitchboardFaultInjection", "SwitchboardCore", "SwitchboardWebSocket", "WSLink", "CrossComm", "Siyi", "MsgPack",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)

// MARK: - fuzzing (issue 8): libFuzzer executable, only when scripts/fuzz.sh builds
//
// libFuzzer brings its own `main`, so this executable cannot link in a normal build; it is
// declared only when SWITCHBOARD_FUZZ=1, and scripts/fuzz.sh builds it with
// `swift build --sanitize fuzzer --sanitize address --scratch-path .build-fuzz`. SwiftPM's
// `--sanitize fuzzer` compiles executables with -parse-as-library and drops the
// `--defsym main=<module>_main` it otherwise links ELF executables with (which fails under
// libFuzzer). A nested Fuzz/Package.swift depending on ".." was not used: the root's package
// identity is its directory name, which differs between checkouts.
if Context.environment["SWITCHBOARD_FUZZ"] == "1" {
    package.products.append(.executable(name: "switchboard-fuzz", targets: ["switchboard-fuzz"]))
    package.targets.append(
        .executableTarget(
            name: "switchboard-fuzz",
            dependencies: ["SwitchboardFuzzing"],
            path: "Fuzz/Entry",
            swiftSettings: strictSettings
        )
    )
}
