import SwitchboardCore
import SwitchboardWebSocket

extension ServeCommand {
    /// `GET /stats` on the main port (with `--stats`): the session table's counters and queue
    /// occupancy as one JSON object, for operators, the soak script and the slow-consumer tests.
    ///
    /// ```json
    /// {"sessions":3,"sessions_by_adapter":{"crosscomm":2,"siyi":1},"opened":10,"closed":7,
    ///  "dropped_frames":0,"overflow_closes":1,"queued_frames":0,"queued_bytes":0,
    ///  "largest_queue_frames":0,"largest_queue_bytes":0,
    ///  "queue_policy":{"max_messages":4096,"max_bytes":67108864,"overflow":"close"}}
    /// ```
    func statsEndpoint(sessions: SessionManager, limiter: ConnectionLimiter? = nil, crossComm: StateStoreBox? = nil) -> HTTPEndpoint {
        let overflow = queueOverflow.rawValue
        return HTTPEndpoint(pathPrefix: "/stats") { request in
            guard request.method == "GET", request.path == "/stats" || request.path == "/stats/" else {
                return HTTPEndpointResponse(status: 404, contentType: "application/json", body: .bytes(Array(#"{"error":"not found"}"#.utf8)))
            }
            var body = Self.statsJSON(
                statistics: sessions.currentStatistics,
                occupancy: sessions.occupancy(),
                policy: sessions.queuePolicy,
                overflow: overflow
            )
            if let limiter, case .object(var pairs) = body {
                pairs.append(.init(key: "connections", value: Self.connectionStatsJSON(limiter.statistics)))
                body = .object(pairs)
            }
            if let crossComm = crossComm?.statsJSON, case .object(var pairs) = body {
                pairs.append(.init(key: "crosscomm", value: crossComm))
                body = .object(pairs)
            }
            return HTTPEndpointResponse(status: 200, contentType: "application/json", body: .bytes(body.encodedBytes(.compact)))
        }
    }

    static func statsJSON(
        statistics: SessionManager.Statistics,
        occupancy: SessionManager.Occupancy,
        policy: OutboundQueuePolicy,
        overflow: String
    ) -> JSONValue {
        func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }
        let byAdapter = occupancy.sessionsByAdapter.sorted { $0.key < $1.key }.map { JSONValue.Pair(key: $0.key, value: int($0.value)) }
        return .object([
            .init(key: "sessions", value: int(occupancy.sessions)),
            .init(key: "sessions_by_adapter", value: .object(byAdapter)),
            .init(key: "opened", value: int(statistics.opened)),
            .init(key: "closed", value: int(statistics.closed)),
            .init(key: "dropped_frames", value: int(statistics.droppedFrames)),
            .init(key: "overflow_closes", value: int(statistics.overflowCloses)),
            .init(key: "queued_frames", value: int(occupancy.queuedFrames)),
            .init(key: "queued_bytes", value: int(occupancy.queuedBytes)),
            .init(key: "largest_queue_frames", value: int(occupancy.largestQueueFrames)),
            .init(key: "largest_queue_bytes", value: int(occupancy.largestQueueBytes)),
            .init(key: "queue_policy", value: .object([
                .init(key: "max_messages", value: int(policy.maxMessages)),
                .init(key: "max_bytes", value: int(policy.maxBytes)),
                .init(key: "overflow", value: .string(overflow)),
            ])),
        ])
    }
}
