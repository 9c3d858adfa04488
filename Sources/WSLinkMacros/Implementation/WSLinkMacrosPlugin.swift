import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin behind `@Exposed` and `@WSLinkProtocol`.
@main
struct WSLinkMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [ExposedMacro.self, WSLinkProtocolMacro.self]
}
