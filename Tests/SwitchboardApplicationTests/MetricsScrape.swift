import Foundation

/// One scrape of `GET /metrics`, parsed as Prometheus text format: sample lines
/// `name{label="value",…} number`, `# HELP`/`# TYPE` comments, nothing else.
struct MetricsScrape {
    /// Sample value by `name{labels}` exactly as written (labels in emitted order).
    var samples: [String: Double] = [:]
    /// Metric families announced with `# TYPE`.
    var types: [String: String] = [:]

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not Prometheus text format: \(line)" }
    }

    init(parsing text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw ParseError(line: String(line)) }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw ParseError(line: String(line))
            }
            let key = String(line[..<space])
            guard key.first?.isLetter == true || key.first == "_",
                  !key.contains("{") || (key.hasSuffix("}") && key.split(separator: "{").count == 2) else {
                throw ParseError(line: String(line))
            }
            samples[key] = value
        }
    }

    /// The sum of every sample of `name` whose labels include all of `labels` (`key="value"`).
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { key, _ in
            let base = key.split(separator: "{", maxSplits: 1).first.map(String.init) ?? key
            guard base == name else { return false }
            return labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
        }.values.reduce(0, +)
    }
}
