import Logging
import SwitchboardCore

extension WSLinkConnectionHandler {
    /// The hello's `secret` as a bearer token (`Protocols.md` §9): verified on the loop; an
    /// accepted token becomes the session's identity for its calls, a refused or missing one is
    /// answered `−32000 Authentication failed` and the connection closes with 4502 once that
    /// answer is out. Logged once (the reason code, never the token).
    func verifyBearer(_ token: String, with verifier: any TokenVerifier, context: ConnectionContext) {
        do {
            let verified = try verifier.verify(token)
            verifiedToken = verified
            helloValidated(true, context: context)
        } catch {
            let reason = (error as? TokenVerificationError)?.code.description ?? "unverifiable"
            verifiedToken = nil
            helloValidated(false, reason: reason, context: context)
            context.close(code: .unauthorized, reason: "token not accepted (\(reason))")
        }
    }
}
