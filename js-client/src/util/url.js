// Bearer tokens on a WebSocket URL: browsers cannot set headers on an upgrade, so clients of
// servers with authenticated identities send `?token=` (Protocols.md §9).

/**
 * `url` with `token` as its `token` query parameter (percent-encoded), or `url` unchanged
 * when there is no token.
 * @param {string} url
 * @param {string|undefined|null} token
 * @returns {string}
 */
export function withToken(url, token) {
  if (token === undefined || token === null || token === '') return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}token=${encodeURIComponent(token)}${fragment}`;
}
