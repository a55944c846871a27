import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedPatternBytes } from '../../src/contracts/check-rules.js';
test('fixed-length patterns are matched on bytes exactly as the regular expression would; others fall back to it', () => {
  const cases: Array<[string, string, boolean | undefined]> = [
    ['SKU-\\d{6}', 'SKU-123456', true], ['SKU-\\d{6}', 'SKU-12345', false], ['SKU-\\d{6}', 'SKU-12345a', false],
    ['SKU-[0-9]{6}', 'SKU-000000', true], ['[A-Z]{2}[0-9]{4}', 'AB1234', true], ['[A-Z]{2}[0-9]{4}', 'Ab1234', false],
    ['a|b', 'a', undefined], ['\\d+', '1', undefined], ['x.y', 'x.y', undefined], ['x\\.y', 'x.y', true], ['x\\.y', 'xzy', false],
  ];
  for (const [p, v, want] of cases) {
    const f = fixedPatternBytes(p);
    if (want === undefined) { assert.equal(f, undefined, p); continue; }
    const b = Buffer.from(v);
    assert.equal(f!(b, 0, b.length), want, `${p} ${v}`);
    assert.equal(new RegExp(`^(?:${p})$`).test(v), want, `regex ${p} ${v}`);
  }
});
