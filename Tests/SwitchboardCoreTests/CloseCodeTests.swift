import Testing
import SwitchboardCore

@Suite("CloseCode")
struct CloseCodeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var code: CloseCode
        var raw: UInt16
        var reconnect: Bool
        var name: String
        var testDescription: String { name }
    }

    static let table: [Row] = [
        Row(code: .normal, raw: 1000, reconnect: false, name: "normal(1000)"),
        Row(code: .goingAway, raw: 1001, reconnect: true, name: "goingAway(1001)"),
        Row(code: .protocolError, raw: 1002, reconnect: false, name: "protocolError(1002)"),
        Row(code: .unsupportedData, raw: 1003, reconnect: false, name: "unsupportedData(1003)"),
        Row(code: .abnormal, raw: 1006, reconnect: true, name: "abnormal(1006)"),
        Row(code: .invalidPayload, raw: 1007, reconnect: false, name: "invalidPayload(1007)"),
        Row(code: .policyViolation, raw: 1008, reconnect: false, name: "policyViolation(1008)"),
        Row(code: .messageTooBig, raw: 1009, reconnect: false, name: "messageTooBig(1009)"),
        Row(code: .internalError, raw: 1011, reconnect: true, name: "internalError(1011)"),
        Row(code: .serviceRestart, raw: 1012, reconnect: true, name: "serviceRestart(1012)"),
        Row(code: .tryAgainLater, raw: 1013, reconnect: true, name: "tryAgainLater(1013)"),
        Row(code: .heartbeatTimeout, raw: 4001, reconnect: true, name: "heartbeatTimeout(4001)"),
        Row(code: .slowConsumer, raw: 4002, reconnect: true, name: "slowConsumer(4002)"),
        Row(code: .adapterUnavailable, raw: 4500, reconnect: false, name: "adapterUnavailable(4500)"),
        Row(code: .replaced, raw: 4501, reconnect: false, name: "replaced(4501)"),
        Row(code: .unauthorized, raw: 4502, reconnect: false, name: "unauthorized(4502)"),
    ]

    @Test(arguments: table)
    func namedCode(row: Row) {
        #expect(row.code.rawValue == row.raw)
        #expect(row.code.shouldReconnect == row.reconnect)
        #expect(row.code.description == row.name)
        #expect(CloseCode(rawValue: row.raw) == row.code)
    }

    @Test func namedCodesAreDistinct() {
        #expect(Set(Self.table.map(\.code)).count == Self.table.count)
    }

    @Test(arguments: [
        (UInt16(4000), true), (4003, true), (4499, true),
        (4503, false), (4999, false), (3000, false), (1005, false), (1010, false), (1015, false), (999, false),
    ])
    func unnamedCodesFollowTheRanges(raw: UInt16, reconnect: Bool) {
        #expect(CloseCode(rawValue: raw).shouldReconnect == reconnect)
        #expect(CloseCode(rawValue: raw).description == "\(raw)")
    }
}
