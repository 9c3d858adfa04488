import ArgumentParser

/// A port number, or `off` to disable that listener.
enum PortOption: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case port(Int)
    case off

    init?(argument: String) {
        if argument.lowercased() == "off" {
            self = .off
        } else if let number = Int(argument), (0...65535).contains(number) {
            self = .port(number)
        } else {
            return nil
        }
    }

    var description: String {
        switch self {
        case .port(let number): "\(number)"
        case .off: "off"
        }
    }

    var defaultValueDescription: String { description }
}

extension PortOption {
    /// The port number, or `nil` for `off`.
    var number: Int? {
        if case .port(let number) = self { return number }
        return nil
    }
}
