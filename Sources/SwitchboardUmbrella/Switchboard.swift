// `import Switchboard` brings in everything a downstream server or client uses:
//
// - ``SwitchboardApplication``: one configurable server, run as a `Service`;
// - SwitchboardCore: frames, sessions, the adapter seam, close codes;
// - SwitchboardWebSocket: the WebSocket server and client transports;
// - WSLink with the `@WSLinkProtocol` / `@Exposed` macros (WSLinkExposed);
// - CrossComm and Siyi: the hub, server and clients;
// - MsgPack: the values wslink methods take and return;
// - swift-log's `Logger` and service-lifecycle's `ServiceGroup`, which every server needs.
//
// The finer products (SwitchboardCore, WSLink, …) stay for packages that want less; only
// this module and WSLinkExposed pull in swift-syntax for the macros.

@_exported public import SwitchboardApplication
@_exported public import SwitchboardCore
@_exported public import SwitchboardWebSocket
@_exported public import WSLink
@_exported public import WSLinkExposed
@_exported public import CrossComm
@_exported public import Siyi
@_exported public import MsgPack
@_exported public import Logging
@_exported public import ServiceLifecycle
@_exported public import UnixSignals
