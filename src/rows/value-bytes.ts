import type { ValueType } from './value-type.js';

/**
 * Byte-level forms of the value-type checks (the same grammar as value-type.ts) for the
 * validation fast path: no string is made for a cell that is only type-checked.
 */
export function matchesValueTypeBytes(buf: Uint8Array, s: number, e: number, type: ValueType): boolean {
  switch (type) {
    case 'string': return true;
    case 'integer': return isIntegerBytes(buf, s, e);
    case 'number': return isNumberBytes(buf, s, e);
    case 'date': return e - s === 10 && isDateAt(buf, s);
    case 'datetime': return isDateTimeBytes(buf, s, e) || (e - s === 10 && isDateAt(buf, s));
    case 'boolean': return isBooleanBytes(buf, s, e);
  }
}

/** The byte-level test for one type, as a function of its own (no dispatch per cell). */
export function valueTypeBytesTest(type: ValueType): (buf: Uint8Array, s: number, e: number) => boolean {
  switch (type) {
    case 'string': return () => true;
    case 'integer': return isIntegerBytes;
    case 'number': return isNumberBytes;
    case 'date': return (b, s, e) => e - s === 10 && isDateAt(b, s);
    case 'datetime': return (b, s, e) => isDateTimeBytes(b, s, e) || (e - s === 10 && isDateAt(b, s));
    case 'boolean': return isBooleanBytes;
  }
}

function digit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function isIntegerBytes(b: Uint8Array, s: number, e: number): boolean {
  if (s < e && (b[s] === 43 || b[s] === 45)) s++;
  if (s >= e) return false;
  for (let i = s; i < e; i++) if (!digit(b[i])) return false;
  return true;
}

function isNumberBytes(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  if (i < e && (b[i] === 43 || b[i] === 45)) i++;
  let intDigits = 0;
  while (i < e && digit(b[i])) { i++; intDigits++; }
  let fracDigits = 0;
  if (i < e && b[i] === 46) {
    i++;
    while (i < e && digit(b[i])) { i++; fracDigits++; }
  }
  if (intDigits === 0 && fracDigits === 0) return false;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    if (i < e && (b[i] === 43 || b[i] === 45)) i++;
    let exp = 0;
    while (i < e && digit(b[i])) { i++; exp++; }
    if (exp === 0) return false;
  }
  return i === e;
}

function num2(b: Uint8Array, i: number): number {
  return (b[i]! - 48) * 10 + (b[i + 1]! - 48);
}

/** YYYY-MM-DD at `s` with a valid day. */
function isDateAt(b: Uint8Array, s: number): boolean {
  if (!(digit(b[s]) && digit(b[s + 1]) && digit(b[s + 2]) && digit(b[s + 3]) && b[s + 4] === 45 && digit(b[s + 5]) && digit(b[s + 6]) && b[s + 7] === 45 && digit(b[s + 8]) && digit(b[s + 9]))) return false;
  const y = num2(b, s) * 100 + num2(b, s + 2);
  const m = num2(b, s + 5);
  const d = num2(b, s + 8);
  if (m < 1 || m > 12 || d < 1) return false;
  const days = m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= days;
}

function isDateTimeBytes(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 16 || !isDateAt(b, s) || (b[s + 10] !== 84 && b[s + 10] !== 32)) return false;
  let i = s + 11;
  if (!(digit(b[i]) && digit(b[i + 1]) && b[i + 2] === 58 && digit(b[i + 3]) && digit(b[i + 4]))) return false;
  if (num2(b, i) > 23 || num2(b, i + 3) > 59) return false;
  i += 5;
  if (i < e && b[i] === 58) {
    if (!(digit(b[i + 1]) && digit(b[i + 2])) || num2(b, i + 1) > 60) return false;
    i += 3;
    if (i < e && b[i] === 46) {
      i++;
      const f = i;
      while (i < e && digit(b[i])) i++;
      if (i === f) return false;
    }
  }
  if (i === e) return true;
  if (b[i] === 90) return i + 1 === e;
  if (b[i] !== 43 && b[i] !== 45) return false;
  i++;
  if (!(digit(b[i]) && digit(b[i + 1]))) return false;
  i += 2;
  if (i < e && b[i] === 58) i++;
  return e - i === 2 && digit(b[i]) && digit(b[i + 1]);
}

const BOOLEANS = new Set(['true', 'false', 'TRUE', 'FALSE', 'True', 'False']);

function isBooleanBytes(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < 4 || e - s > 5) return false;
  return BOOLEANS.has(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
}

/** A 52-bit hash of bytes (two 32-bit FNV-1a variants), exact as a JS number; never 0. */
export function hashBytes52(b: Uint8Array, s: number, e: number, seedA = 0x811c9dc5, seedB = 0x9747b28c): number {
  let a = seedA;
  let c = seedB;
  for (let i = s; i < e; i++) {
    const x = b[i]!;
    a = Math.imul(a ^ x, 0x01000193);
    c = Math.imul(c ^ x, 0x5bd1e995);
    c ^= c >>> 15;
  }
  return (a >>> 0) * 0x100000 + ((c >>> 12) & 0xfffff) + 1;
}
