/** The value types dv infers for a column and contracts declare. */
export type ValueType = 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'string';

export const VALUE_TYPES: readonly ValueType[] = ['integer', 'number', 'boolean', 'date', 'datetime', 'string'];

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false|TRUE|FALSE|True|False)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** True for a missing value: the empty cell (JSON null reads as empty). */
export function isNullValue(v: string | undefined): boolean {
  return v === undefined || v === '';
}

/** The narrowest type of one non-empty value. */
export function inferValueType(v: string): ValueType {
  const c = v.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INTEGER.test(v)) return 'integer';
    if (NUMBER.test(v)) return 'number';
    if (isDate(v)) return 'date';
    if (isDateTime(v)) return 'datetime';
    return 'string';
  }
  if (BOOLEAN.test(v)) return 'boolean';
  return 'string';
}

/** The type of a column holding values of types a and b (null: nothing seen yet). */
export function mergeValueTypes(a: ValueType | null, b: ValueType): ValueType {
  if (a === null || a === b) return b;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  if ((a === 'date' && b === 'datetime') || (a === 'datetime' && b === 'date')) return 'datetime';
  return 'string';
}

/** True when a non-empty value is of the declared type (a datetime column also takes plain dates). */
export function matchesValueType(v: string, type: ValueType): boolean {
  switch (type) {
    case 'string': return true;
    case 'integer': return INTEGER.test(v);
    case 'number': return NUMBER.test(v);
    case 'boolean': return BOOLEAN.test(v);
    case 'date': return isDate(v);
    case 'datetime': return isDateTime(v) || isDate(v);
  }
}

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  return d <= days;
}

function isDate(v: string): boolean {
  const m = DATE.exec(v);
  return m !== null && validYmd(+m[1]!, +m[2]!, +m[3]!);
}

function isDateTime(v: string): boolean {
  const m = DATETIME.exec(v);
  return m !== null && validYmd(+m[1]!, +m[2]!, +m[3]!) && +m[4]! < 24 && +m[5]! < 60 && (m[6] === undefined || +m[6] < 61);
}

/** Milliseconds since the epoch of a date or datetime value (UTC unless an offset is written), or NaN. */
export function parseTimeValue(v: string): number {
  if (isDate(v)) return Date.parse(v + 'T00:00:00Z');
  if (!isDateTime(v)) return NaN;
  const iso = v.replace(' ', 'T');
  return Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : iso + 'Z');
}
