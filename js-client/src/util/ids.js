// Random ids. crypto.getRandomValues works in every context; crypto.randomUUID only in secure
// ones (a page served over plain http from a LAN address has none).

/** A lowercase canonical uuid4, e.g. "7beade42-6397-45c4-a74c-90095acd1f94". */
export function uuid4() {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `n` random lowercase hex digits. */
export function randomHex(n) {
  return uuid4().replaceAll('-', '').slice(0, n);
}
