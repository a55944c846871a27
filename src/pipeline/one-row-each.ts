import { RecordCursor } from '../rows/index.js';
import { RowKeys } from './row-keys.js';
import type { RowFormat } from './rows.js';

/**
 * Whether an output holds exactly one row for each row of an input, in the same order and
 * with the same key (a one-to-one row-wise map): walks both row by row. Returns the
 * number of rows, or null when they do not correspond. Blank lines are not rows.
 */
export function countOneRowEach(
  input: Iterator<Uint8Array>, inFormat: RowFormat, output: Iterator<Uint8Array>, outFormat: RowFormat, key: string,
): number | null {
  const I = new RecordCursor(input, false);
  const O = new RecordCursor(output, false);
  const keysI = new RowKeys(inFormat, key, 'input');
  const keysO = new RowKeys(outFormat, key, 'output');
  try {
    if (inFormat === 'csv' && I.next()) keysI.header(I.buf, I.start, I.end);
    if (outFormat === 'csv' && O.next()) keysO.header(O.buf, O.start, O.end);
    let rows = 0;
    for (;;) {
      const i = I.next();
      const o = O.next();
      if (!i || !o) return i === o ? rows : null;
      keysI.locate(I.buf, I.start, I.end);
      keysO.locate(O.buf, O.start, O.end);
      if (!keysI.sameKey(keysO)) return null;
      rows++;
    }
  } catch {
    return null; // a row without the key, a header without the column: no correspondence to speak of
  }
}

/** Whether the delta output's rows carry the fed rows' keys one for one, in order (CSV: after its header). */
export function fedOneRowEach(deltaOut: Iterator<Uint8Array>, format: RowFormat, key: string, fedKeys: string[]): boolean {
  const D = new RecordCursor(deltaOut, false);
  const keys = new RowKeys(format, key, 'delta output');
  try {
    if (format === 'csv' && D.next()) keys.header(D.buf, D.start, D.end);
    let i = 0;
    for (; D.next(); i++) {
      keys.locate(D.buf, D.start, D.end);
      if (i >= fedKeys.length || keys.keyText() !== fedKeys[i]) return false;
    }
    return i === fedKeys.length;
  } catch {
    return false;
  }
}
