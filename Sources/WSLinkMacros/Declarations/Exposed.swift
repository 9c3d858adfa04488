@_exported public import WSLink

/// Exposes a method as the wslink RPC `method` on the enclosing ``WSLinkProtocol()`` type.
///
/// ```swift
/// @WSLinkProtocol
/// struct Demo: Sendable {
///     @Exposed("demo.add") func add(a: Int, b: Int = 0) -> Int { a + b }
/// }
/// let adapter = WSLinkServerAdapter(router: Demo().makeRouter(), logger: logger)
/// ```
@attached(peer)
public macro Exposed(_ method: String) = #externalMacro(module: "WSLinkMacros", type: "ExposedMacro")

/// Adds `makeRouter() -> WSLinkRouter`, registering every ``Exposed(_:)`` method with the same
/// `router.expose(…)` calls one would write by hand. The type must be `Sendable`.
@attached(member, names: named(makeRouter))
public macro WSLinkProtocol() = #externalMacro(module: "WSLinkMacros", type: "WSLinkProtocolMacro")
