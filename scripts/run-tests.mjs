#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner through tsx. Node 20 expands no
// globs and finds no .ts files in a folder, so the files are listed here explicitly.
// Builds first (type check + the bundle bin/dv runs): CLI tests drive the real bin/dv.
// The tests themselves are type-checked too (test/tsconfig.json): tsx only strips types.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const only = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', path.join(root, 'test', 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
let files = findTests(path.join(root, 'test')).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
console.error(`running ${files.length} test files`);
// The tests reach nothing over TLS, and Node 20 parses the whole NODE_EXTRA_CA_CERTS
// bundle when it starts: ~40 ms of each of the thousands of dv processes the tests run.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root, env });
process.exit(r.status ?? 1);
