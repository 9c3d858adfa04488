import CoreMetrics
public import Prometheus
import SwitchboardWebSocket

extension SwitchboardApplication {
    /// Creates a Prometheus registry and bootstraps `MetricsSystem` with it (call once, before
    /// creating the application); pass the registry as ``Configuration/metrics`` to serve it.
    ///
    /// ```swift
    /// configuration.metrics = SwitchboardApplication.bootstrapPrometheus()
    /// ```
    public static func bootstrapPrometheus() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// `GET /metrics`: the registry in Prometheus text format (version 0.0.4).
    static func metricsEndpoint(_ registry: PrometheusCollectorRegistry) -> HTTPEndpoint {
        HTTPEndpoint(pathPrefix: "/metrics") { request in
            guard request.method == "GET" || request.method == "HEAD", request.path == "/metrics" else {
                return HTTPEndpointResponse(status: 404, contentType: "text/plain; charset=utf-8", body: .bytes(Array("not found\n".utf8)))
            }
            return HTTPEndpointResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: .bytes(registry.emitToBuffer()))
        }
    }
}
