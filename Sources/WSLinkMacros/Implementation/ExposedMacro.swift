public import SwiftSyntax
public import SwiftSyntaxMacros

/// `@Exposed("demo.add")`: marks a method for the enclosing `@WSLinkProtocol` type's router.
///
/// It generates nothing itself; it checks that it sits on a method and that the name is a
/// valid wslink method name (dot-separated `[a-z][a-z0-9_]*` parts), so mistakes surface at
/// compile time rather than when the router is built.
public struct ExposedMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(FunctionDeclSyntax.self) else {
            throw WSLinkMacroError("@Exposed applies to methods only")
        }
        _ = try methodName(of: node)
        return []
    }

    /// The wslink method name written in the attribute, validated.
    static func methodName(of attribute: AttributeSyntax) throws -> String {
        guard let arguments = attribute.arguments?.as(LabeledExprListSyntax.self),
              arguments.count == 1,
              let literal = arguments.first?.expression.as(StringLiteralExprSyntax.self),
              literal.segments.count == 1,
              case .stringSegment(let segment) = literal.segments.first
        else {
            throw WSLinkMacroError("@Exposed takes one string literal: the wslink method name, e.g. @Exposed(\"demo.add\")")
        }
        let name = segment.content.text
        guard isValidMethodName(name) else {
            throw WSLinkMacroError("\"\(name)\" is not a wslink method name: use dot-separated parts of [a-z][a-z0-9_]*")
        }
        return name
    }

    /// The rule of Python's `@register` (and `WSLinkRouter.isValidMethodName`).
    static func isValidMethodName(_ name: String) -> Bool {
        name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.first, first.isASCII, first.isLowercase else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
        }
    }
}

/// A macro usage error, shown by the compiler at the attribute.
struct WSLinkMacroError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
