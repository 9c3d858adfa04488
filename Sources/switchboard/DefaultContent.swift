import Foundation

/// Where `switchboard serve` finds its default static content — the js-client example page
/// (`js-client/index.html`, which imports the client modules from `js-client/src/`) — when
/// `--content` is not given.
///
/// Looked up, first match wins:
/// 1. upwards from the running executable (`.build/<triple>/debug/switchboard` finds the
///    repository's `js-client/`, whether started as `swift run switchboard serve` or directly);
/// 2. beside this source file (`#filePath`), for binaries moved out of the build tree on the
///    machine that built them.
///
/// Without either, serve runs without static content, as before.
enum DefaultContent {
    /// The directory holding the example page, or `nil` when none is found.
    static func directory(
        executable: String = CommandLine.arguments.first ?? "",
        sourceFile: String = #filePath
    ) -> String? {
        var candidates: [URL] = []
        if !executable.isEmpty {
            var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<6 {
                candidates.append(directory.appendingPathComponent("js-client"))
                directory.deleteLastPathComponent()
            }
        }
        // Sources/switchboard/DefaultContent.swift → the repository root is three levels up.
        let root = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("js-client"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }?.path
    }
}
