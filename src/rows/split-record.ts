/**
 * Splits one delimited record into its cells. Without quotes this is a plain split; with
 * quotes it follows RFC 4180 (a quoted cell may hold the delimiter, newlines and `""`).
 */
export function splitRecord(text: string, delimiter: string, hasQuote: boolean): string[] {
  if (!hasQuote) return text.split(delimiter);
  const out: string[] = [];
  const d = delimiter.charCodeAt(0);
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      // quoted cell
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) { value += text.slice(j); j = n; break; }
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) { value += '"'; j = q + 2; continue; }
        j = q + 1;
        break;
      }
      // Anything between the closing quote and the delimiter is kept as written.
      const next = text.indexOf(delimiter, j);
      if (next < 0) { out.push(value + text.slice(j)); return out; }
      out.push(value + text.slice(j, next));
      i = next + 1;
    } else {
      let next = -1;
      for (let k = i; k < n; k++) if (text.charCodeAt(k) === d) { next = k; break; }
      if (next < 0) { out.push(text.slice(i)); return out; }
      out.push(text.slice(i, next));
      i = next + 1;
    }
    if (i > n) return out;
    if (i === n) { out.push(''); return out; }
  }
}

/** Formats cells back into one CSV/TSV record, quoting where needed. */
export function joinRecord(cells: readonly string[], delimiter: string): string {
  return cells.map((c) => (c.includes(delimiter) || c.includes('"') || c.includes('\n') || c.includes('\r') ? `"${c.replace(/"/g, '""')}"` : c)).join(delimiter);
}
