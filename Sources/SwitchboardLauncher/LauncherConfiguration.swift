public import SwitchboardCore
import Foundation

/// A wslink `launcher.config`: the JSON file (C and C++ comments allowed) that
/// `python -m wslink.launcher` reads, parsed with the same required keys.
///
/// ```swift
/// let config = try LauncherConfiguration(contentsOf: "launcher.config")
/// config.apps["cone"]?.command   // ["${python}", "cone.py", "--port", "${port}"]
/// ```
public struct LauncherConfiguration: Sendable {
    /// One entry of `apps`: the command line template and the line that means "ready".
    public struct App: Sendable, Equatable {
        /// `cmd`: argument templates (`${port}`, `${secret}`, `${id}`, posted fields, properties).
        public var command: [String]
        /// `ready_line`: the process is ready once its output contains this text; `nil` means
        /// ready as soon as it runs.
        public var readyLine: String?

        /// Creates an app.
        public init(command: [String], readyLine: String?) {
            self.command = command
            self.readyLine = readyLine
        }
    }

    /// One entry of `resources`: a host and an inclusive port range.
    public struct Resource: Sendable, Equatable {
        /// The host sessions on these ports run on (`${host}`).
        public var host: String
        /// `port_range`, inclusive at both ends.
        public var ports: ClosedRange<Int>

        /// Creates a resource.
        public init(host: String, ports: ClosedRange<Int>) {
            self.host = host
            self.ports = ports
        }
    }

    /// `configuration.host`: the address the launcher binds.
    public var host: String
    /// `configuration.port`: the launcher's port (0 picks a free one).
    public var port: Int
    /// `configuration.endpoint`: the session-manager path (`paraview` → `/paraview/`).
    public var endpoint: String
    /// `configuration.content`: a directory served over HTTP, empty for none.
    public var content: String
    /// `configuration.proxy_file`: the id → host:port mapping file written for Apache/nginx.
    public var proxyFile: String
    /// `configuration.sessionURL`: the template of the URL clients connect to.
    public var sessionURL: String
    /// `configuration.timeout`: seconds a session has to print its ready line.
    public var timeout: Double
    /// `configuration.log_dir`: where `<id>.txt` session logs go.
    public var logDirectory: String
    /// `configuration.fields`: session keys returned to the client (besides id and sessionURL).
    public var fields: [String]
    /// `configuration.sanitize`: checks applied to values before substitution.
    public var sanitize: [SanitizeRule]
    /// `sessionData`: extra templated values added to every session.
    public var sessionData: [JSONValue.Pair]
    /// `resources`: the host/port pool.
    public var resources: [Resource]
    /// `properties`: values available to every template.
    public var properties: [JSONValue.Pair]
    /// `apps`: the applications a client may start, by name.
    public var apps: [String: App]

    /// The path the launch endpoint answers on, as wslink computes it: `endpoint` without a
    /// leading slash becomes `/endpoint/`, one with a leading slash is used as is.
    public var endpointPath: String {
        endpoint.hasPrefix("/") ? endpoint : "/\(endpoint)/"
    }

    /// Reads and parses a configuration file.
    public init(contentsOf path: String) throws(LauncherError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LauncherError(.unreadableConfiguration, "cannot read \(path)")
        }
        try self.init(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Parses configuration text (JSON with `//` and `/* */` comments).
    public init(parsing text: String) throws(LauncherError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: Self.removingComments(text))
        } catch {
            throw LauncherError(.invalidConfiguration, "not JSON: \(error)")
        }
        for key in ["configuration", "apps", "properties", "resources"] where json[key] == nil {
            throw LauncherError(.invalidConfiguration, "Config file is missing \(key) key.")
        }
        let configuration = json["configuration"]!
        for key in ["endpoint", "host", "port", "proxy_file", "sessionURL", "timeout", "log_dir", "fields"]
        where configuration[key] == nil {
            throw LauncherError(.invalidConfiguration, "file.configuration is missing \(key) key.")
        }
        host = try Self.string(configuration["host"], "configuration.host")
        port = try Self.integer(configuration["port"], "configuration.port")
        endpoint = try Self.string(configuration["endpoint"], "configuration.endpoint")
        content = configuration["content"].map { TemplateSubstitution.pythonString($0) } ?? ""
        proxyFile = try Self.string(configuration["proxy_file"], "configuration.proxy_file")
        sessionURL = try Self.string(configuration["sessionURL"], "configuration.sessionURL")
        guard let timeout = configuration["timeout"]?.doubleValue ?? configuration["timeout"]?.stringValue.flatMap(Double.init) else {
            throw LauncherError(.invalidConfiguration, "configuration.timeout must be a number")
        }
        self.timeout = timeout
        logDirectory = try Self.string(configuration["log_dir"], "configuration.log_dir")
        guard let fields = configuration["fields"]?.arrayValue?.compactMap(\.stringValue) else {
            throw LauncherError(.invalidConfiguration, "configuration.fields must be a list of strings")
        }
        self.fields = fields
        sanitize = try (configuration["sanitize"]?.objectValue ?? []).map { pair throws(LauncherError) in
            try SanitizeRule(key: pair.key, json: pair.value)
        }
        sessionData = json["sessionData"]?.objectValue ?? []
        guard let properties = json["properties"]?.objectValue else {
            throw LauncherError(.invalidConfiguration, "properties must be an object")
        }
        self.properties = properties
        guard let resourceList = json["resources"]?.arrayValue else {
            throw LauncherError(.invalidConfiguration, "resources must be a list")
        }
        resources = try resourceList.map { resource throws(LauncherError) in
            let host = try Self.string(resource["host"], "resources[].host")
            guard let low = resource["port_range"]?[0]?.intValue, let high = resource["port_range"]?[1]?.intValue,
                low <= high, low > 0, high <= 65535
            else {
                throw LauncherError(.invalidConfiguration, "resources[].port_range must be [low, high] ports")
            }
            return Resource(host: host, ports: low...high)
        }
        guard let appList = json["apps"]?.objectValue else {
            throw LauncherError(.invalidConfiguration, "apps must be an object")
        }
        var apps: [String: App] = [:]
        for pair in appList {
            guard let command = pair.value["cmd"]?.arrayValue?.compactMap(\.stringValue), !command.isEmpty,
                command.count == pair.value["cmd"]?.arrayValue?.count
            else {
                throw LauncherError(.invalidConfiguration, "apps.\(pair.key).cmd must be a non-empty list of strings")
            }
            let readyLine = pair.value["ready_line"]?.stringValue
            apps[pair.key] = App(command: command, readyLine: readyLine?.isEmpty == true ? nil : readyLine)
        }
        self.apps = apps
    }

    /// Removes `//` line comments and `/* */` block comments outside string literals, as
    /// wslink's `remove_comments` does (its regular expression also skips single-quoted text).
    public static func removingComments(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        func skipQuoted(_ quote: UInt8) -> Int? {
            var cursor = index + 1
            while cursor < bytes.count {
                if bytes[cursor] == UInt8(ascii: "\\") {
                    cursor += 2
                } else if bytes[cursor] == quote {
                    return cursor + 1
                } else {
                    cursor += 1
                }
            }
            return nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"), let end = skipQuoted(byte) {
                output.append(contentsOf: bytes[index..<end])
                index = end
            } else if byte == UInt8(ascii: "/") && next == UInt8(ascii: "/") {
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*"),
                let close = (index + 2..<max(index + 2, bytes.count - 1)).first(where: {
                    bytes[$0] == UInt8(ascii: "*") && bytes[$0 + 1] == UInt8(ascii: "/")
                })
            {
                index = close + 2
            } else {
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func string(_ value: JSONValue?, _ name: String) throws(LauncherError) -> String {
        guard let value, value != .null else { throw LauncherError(.invalidConfiguration, "\(name) is missing") }
        return TemplateSubstitution.pythonString(value)
    }

    private static func integer(_ value: JSONValue?, _ name: String) throws(LauncherError) -> Int {
        if let number = value?.intValue { return number }
        if let text = value?.stringValue, let number = Int(text) { return number }
        throw LauncherError(.invalidConfiguration, "\(name) must be an integer")
    }
}
