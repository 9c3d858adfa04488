// Loads the golden vectors from the repository's own copy in Tests/Vectors.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

export function vectorsDir() {
  const dir = path.join(repoRoot, 'Tests', 'Vectors');
  if (!existsSync(dir)) {
    throw new Error(`golden vectors not found in ${dir}`);
  }
  return dir;
}

export function loadVectors(name) {
  return JSON.parse(readFileSync(path.join(vectorsDir(), `${name}.json`), 'utf8')).vectors;
}

export function hexToBytes(hex) {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Replaces {"$bin": hex} with Uint8Array, recursively (the vectors' rendering of msgpack bin). */
export function fromVectorJSON(value) {
  if (Array.isArray(value)) return value.map(fromVectorJSON);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$bin') return hexToBytes(value.$bin);
    return Object.fromEntries(keys.map((k) => [k, fromVectorJSON(value[k])]));
  }
  return value;
}
