// JSON as Python writes it: standard JSON plus bare NaN, Infinity and -Infinity (what
// json.dumps emits for non-finite floats). Used by the wslink 1.x, CrossComm and siyi codecs.

import { CodecError, CodecErrorCode } from './errors.js';

/**
 * Parses JSON text, accepting bare `NaN`, `Infinity` and `-Infinity` as Python writes them.
 * Fast path: JSON.parse; only text it refuses goes through the lenient parser.
 *
 * @example parseJSON('[Infinity, NaN]') // [Infinity, NaN]
 * @param {string} text
 * @returns {unknown}
 * @throws {CodecError} code 'invalid' for anything else that is not JSON
 */
export function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return new LenientParser(text).document();
  }
}

class LenientParser {
  constructor(text) {
    this.text = text;
    this.pos = 0;
    this.depth = 0;
  }

  fail(what) {
    throw new CodecError(CodecErrorCode.INVALID, `invalid JSON: ${what} at offset ${this.pos}`);
  }

  space() {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos += 1;
  }

  document() {
    const value = this.value();
    this.space();
    if (this.pos !== this.text.length) this.fail('unexpected trailing text');
    return value;
  }

  literal(word, value) {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`unexpected token '${this.text[this.pos]}'`);
  }

  value() {
    this.space();
    if (this.depth > 1000) this.fail('nesting too deep');
    const c = this.text[this.pos];
    switch (c) {
      case '{': return this.object();
      case '[': return this.array();
      case '"': return this.string();
      case 't': return this.literal('true', true);
      case 'f': return this.literal('false', false);
      case 'n': return this.literal('null', null);
      case 'N': return this.literal('NaN', NaN);
      case 'I': return this.literal('Infinity', Infinity);
      case undefined: return this.fail('unexpected end');
      default:
        if (c === '-' && this.text.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', -Infinity);
        return this.number();
    }
  }

  number() {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail('invalid number');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  string() {
    const start = this.pos;
    this.pos += 1;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"') {
        this.pos += 1;
        return JSON.parse(this.text.slice(start, this.pos));
      }
      this.pos += c === '\\' ? 2 : 1;
    }
    return this.fail('unterminated string');
  }

  array() {
    this.pos += 1;
    this.depth += 1;
    const items = [];
    this.space();
    if (this.text[this.pos] === ']') { this.pos += 1; this.depth -= 1; return items; }
    for (;;) {
      items.push(this.value());
      this.space();
      const c = this.text[this.pos++];
      if (c === ']') break;
      if (c !== ',') { this.pos -= 1; this.fail("expected ',' or ']'"); }
    }
    this.depth -= 1;
    return items;
  }

  object() {
    this.pos += 1;
    this.depth += 1;
    const object = {};
    this.space();
    if (this.text[this.pos] === '}') { this.pos += 1; this.depth -= 1; return object; }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.space();
      if (this.text[this.pos++] !== ':') { this.pos -= 1; this.fail("expected ':'"); }
      Object.defineProperty(object, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.text[this.pos++];
      if (c === '}') break;
      if (c !== ',') { this.pos -= 1; this.fail("expected ',' or '}'"); }
    }
    this.depth -= 1;
    return object;
  }
}
