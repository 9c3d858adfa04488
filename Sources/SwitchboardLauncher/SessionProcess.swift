import Glibc
import Synchronization

/// One session's process: started with `posix_spawnp` (never through a shell) as the leader of
/// its own process group, stdin from `/dev/null`, stdout and stderr appended to its log file,
/// signal dispositions and mask reset to defaults (the launcher itself ignores SIGTERM/SIGINT
/// while ServiceLifecycle handles them, and ignored signals would otherwise be inherited).
public final class SessionProcess: Sendable {
    /// The process id, which is also its process group id.
    public let pid: Int32
    private let exitStatus = Mutex<Int32?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `arguments[0]` (looked up in `PATH` when it has no slash) with the launcher's
    /// environment, its output appended to `logPath`.
    public static func spawn(_ arguments: [String], logPath: String) throws(LauncherError) -> SessionProcess {
        guard let program = arguments.first, !program.isEmpty else {
            throw LauncherError(.spawnFailed, "empty command line")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing of the launcher's leaks into sessions (NIO's sockets are close-on-exec
        // already; this also covers any other descriptor).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP {
            sigaddset(&defaults, Int32(signal))
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = argv.withUnsafeBufferPointer { buffer in
            posix_spawnp(&pid, program, &actions, &attributes, buffer.baseAddress!, environ)
        }
        guard status == 0 else {
            throw LauncherError(.spawnFailed, "\(program): \(String(cString: strerror(status)))")
        }
        return SessionProcess(pid: pid)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Glibc module does
    /// not import; looked up at run time.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    /// Whether the process has exited (it is reaped the first time this notices).
    public var hasExited: Bool {
        exitStatus.withLock { status in
            if status != nil { return true }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) {
                status = raw
                return true
            }
            return false
        }
    }

    /// Ends the whole process group: SIGTERM, then SIGKILL after `grace` if the leader is still
    /// running (and SIGKILL in any case for members the leader left behind). Returns once the
    /// leader is reaped or `grace` plus two seconds have passed.
    public func terminate(grace: Duration = .seconds(5)) async {
        kill(-pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while !hasExited && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-pid, SIGKILL)
        let reapDeadline = clock.now + .seconds(2)
        while !hasExited && clock.now < reapDeadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
