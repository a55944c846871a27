import { matchesValueType, valueTypeBytesTest } from '../rows/index.js';
import type { ColumnRule } from './contract-spec.js';
import type { ContractViolation, ViolationRow } from './violation.js';

/** Per-row rule state while the table streams by. */
export interface Check {
  rule: ContractViolation['rule'];
  column: string;
  expected: string;
  index: number;
  /** The rule on a cell's text. */
  test: (v: string) => boolean;
  /** The same rule on the cell's bytes, where it can be decided without a string. */
  bytes?: (buf: Uint8Array, s: number, e: number) => boolean;
  count: number;
  rows: ViolationRow[];
}

/** The per-row checks of one column's rules, in the order their violations are reported. */
export function compileColumn(rule: ColumnRule, index: number): Check[] {
  const out: Check[] = [];
  const add = (r: Check['rule'], expected: string, test: Check['test'], bytes?: Check['bytes']): void => {
    out.push({ rule: r, column: rule.name, expected, index, test, bytes, count: 0, rows: [] });
  };
  if (!rule.nullable) add('nullable', 'a value in every row (not nullable)', () => true);
  if (rule.type && rule.type !== 'string') {
    const t = rule.type;
    add('type', `type ${t}${TYPE_FORMS[t] ? ` (${TYPE_FORMS[t]})` : ''}`, (v) => matchesValueType(v, t), valueTypeBytesTest(t));
  }
  const numeric = rule.type === 'integer' || rule.type === 'number' || (rule.type === undefined && typeof (rule.min ?? rule.max) === 'number');
  if (rule.min !== undefined) {
    const m = rule.min;
    const n = Number(m);
    add('min', `values >= ${m}`, numeric ? (v) => !(Number(v) < n) : (v) => v >= String(m), numeric ? (b, s, e) => !(numberOfBytes(b, s, e) < n) : undefined);
  }
  if (rule.max !== undefined) {
    const m = rule.max;
    const n = Number(m);
    add('max', `values <= ${m}`, numeric ? (v) => !(Number(v) > n) : (v) => v <= String(m), numeric ? (b, s, e) => !(numberOfBytes(b, s, e) > n) : undefined);
  }
  if (rule.allowed) {
    const set = new Set(rule.allowed);
    const raw = allowedBytes(rule.allowed);
    const shown = rule.allowed.length > 8 ? `${rule.allowed.slice(0, 8).join(', ')}, …` : rule.allowed.join(', ');
    add('allowed', `one of ${shown}`, (v) => set.has(v), raw);
  }
  if (rule.pattern) {
    const re = rule.pattern.re;
    add('pattern', `values matching /${rule.pattern.source}/`, (v) => re.test(v), fixedPatternBytes(rule.pattern.source));
  }
  return out;
}

const TYPE_FORMS: Partial<Record<string, string>> = {
  date: 'YYYY-MM-DD', datetime: 'ISO 8601, e.g. 2024-03-01T12:00:00Z', boolean: 'true or false', integer: 'whole numbers',
};

/**
 * A byte matcher for fixed-length ASCII patterns — literals, `\d`, `[...]` classes of
 * single characters and ranges, each optionally repeated `{n}` — such as `SKU-\d{6}`
 * or `[A-Z]{2}[0-9]{4}`. Anything else (alternation, variable repeats, escapes beyond
 * `\d` and `\-`) returns undefined and the regular expression is used.
 */
export function fixedPatternBytes(source: string): ((b: Uint8Array, s: number, e: number) => boolean) | undefined {
  const sets: Uint8Array[] = [];
  let i = 0;
  while (i < source.length) {
    let set: Uint8Array;
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === 'd') { set = new Uint8Array(128); for (let k = 48; k <= 57; k++) set[k] = 1; }
      else if (n !== undefined && /[-.\/\\]/.test(n)) { set = new Uint8Array(128); set[n.charCodeAt(0)] = 1; }
      else return undefined;
      i += 2;
    } else if (c === '[') {
      const close = source.indexOf(']', i + 1);
      if (close < 0 || source[i + 1] === '^') return undefined;
      set = new Uint8Array(128);
      const body = source.slice(i + 1, close);
      for (let k = 0; k < body.length; k++) {
        const a = body.charCodeAt(k);
        if (a >= 128 || body[k] === '\\') return undefined;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          const z = body.charCodeAt(k + 2);
          if (z >= 128 || z < a) return undefined;
          for (let x = a; x <= z; x++) set[x] = 1;
          k += 2;
        } else set[a] = 1;
      }
      i = close + 1;
    } else if (/[A-Za-z0-9_ :@#%=,'"-]/.test(c)) {
      set = new Uint8Array(128);
      set[c.charCodeAt(0)] = 1;
      i++;
    } else return undefined;
    let times = 1;
    if (source[i] === '{') {
      const m = /^\{(\d{1,3})\}/.exec(source.slice(i));
      if (!m) return undefined;
      times = Number(m[1]);
      i += m[0].length;
    } else if (source[i] !== undefined && '*+?'.includes(source[i]!)) return undefined;
    for (let k = 0; k < times; k++) sets.push(set);
  }
  const len = sets.length;
  return (b, s, e) => {
    if (e - s !== len) return false;
    for (let k = 0; k < len; k++) {
      const x = b[s + k]!;
      if (x >= 128 || sets[k]![x] === 0) return false;
    }
    return true;
  };
}

/**
 * A byte-level membership test for allowed values: candidates are found by length and
 * first and last byte, then compared byte by byte (no string per cell).
 */
function allowedBytes(values: string[]): (b: Uint8Array, s: number, e: number) => boolean {
  const table = new Map<number, Buffer[]>();
  for (const v of values) {
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length === 0) continue;
    const k = bytes.length * 65536 + bytes[0]! * 256 + bytes[bytes.length - 1]!;
    const list = table.get(k);
    if (list) list.push(bytes); else table.set(k, [bytes]);
  }
  return (b, s, e) => {
    const list = table.get((e - s) * 65536 + b[s]! * 256 + b[e - 1]!);
    if (!list) return false;
    outer: for (const c of list) {
      for (let i = 1; i < c.length - 1; i++) if (c[i] !== b[s + i]) continue outer;
      return true;
    }
    return false;
  };
}

/**
 * The number a cell's bytes spell: plain decimals are read digit by digit (exact up to 15
 * significant digits); anything else (exponents, long values) goes through Number().
 */
function numberOfBytes(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; } else if (b[i] === 43) i++;
  let v = 0;
  let digits = 0;
  let scale = 1;
  let dot = false;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits++;
      if (dot) scale *= 10;
    } else if (c === 46 && !dot) dot = true;
    else return Number(Buffer.prototype.latin1Slice.call(b, s, e) as string);
  }
  if (digits === 0 || digits > 15) return Number(Buffer.prototype.latin1Slice.call(b, s, e) as string);
  const r = v / scale;
  return neg ? -r : r;
}
