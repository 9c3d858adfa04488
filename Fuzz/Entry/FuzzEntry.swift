// The libFuzzer entry point. Built only by scripts/fuzz.sh (SWITCHBOARD_FUZZ=1, `swift build
// --sanitize fuzzer --sanitize address`): libFuzzer supplies `main`, so this file has no
// top-level code and the target exists only in that build (see Package.swift).
import SwitchboardFuzzing

#if canImport(Glibc)
import Glibc
#endif

/// Chosen once per process from SWITCHBOARD_FUZZ_TARGET (one binary serves every target).
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let target = selectedTarget ?? chooseTarget()
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try target.run(input)
    } catch {
        // An invariant broke: crash so libFuzzer saves the input as a crash artifact.
        fatalError("\(target.rawValue): \(error)")
    }
    return 0
}

private func chooseTarget() -> FuzzTarget {
    let name = getenv("SWITCHBOARD_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set SWITCHBOARD_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    selectedTarget = target
    return target
}
