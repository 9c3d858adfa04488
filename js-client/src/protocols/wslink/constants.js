// wslink wire constants (see Protocols.md §4 at the repository root).

/** The envelope's `wslink` field (a string on the wire). */
export const VERSION = '1.0';
/** Id of the hello request and its reply. */
export const HELLO_ID = 'system:c0:0';
/** Default secret of the original client and server. */
export const DEFAULT_SECRET = 'wslink-secret';
/** Chunk size limit before the hello reply says otherwise (512 KiB, like the original). */
export const DEFAULT_MAX_MSG_SIZE = 512 * 1024;
/** Error code of failures detected by the client (never on the wire). */
export const CLIENT_ERROR = -32099;
/** How the original routes ids; topics must be dot-separated `\w+` words. */
export const ID_PATTERN = /^(rpc|publish|system):(\w+(?:\.\w+)*):(?:\d+)$/;
/** Valid publish topic. */
export const TOPIC_PATTERN = /^\w+(?:\.\w+)*$/;

/**
 * A client-side error object, shaped like the server's `{code, message}`.
 * @param {string} message
 * @returns {{code: number, message: string}}
 */
export function clientError(message) {
  return { code: CLIENT_ERROR, message };
}
