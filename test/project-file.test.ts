import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProjectFile } from '../src/project/index.js';

test('dv.yaml: sections are split out; unknown keys and bad YAML are refused with the line', () => {
  const ok = parseProjectFile('stages:\n  a:\n    cmd: true\ncontracts: {}\n');
  assert.deepEqual(ok.sections.stages, { a: { cmd: true } });
  assert.throws(() => parseProjectFile('stagez: {}\n'), /unknown section "stagez"/);
  assert.throws(() => parseProjectFile('stages:\n  a: [1, 2\n'), /dv\.yaml line \d+/);
  assert.throws(() => parseProjectFile('- 1\n- 2\n'), /top level must be a map/);
  assert.throws(() => parseProjectFile('stages: {}\nstages: {}\n'), /dv\.yaml line 2/);
});
