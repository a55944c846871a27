import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DV, TEST_ENV, dv, dvOk, tmpDir } from '../helpers.js';
import { makeSourceRepo } from './fixtures.js';

/**
 * Runs dv on a pseudo-terminal (util-linux `script`), so stderr is a TTY as in a
 * person's shell; returns what the terminal showed (stdout and stderr together).
 */
function dvOnTerminal(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; screen: string } {
  const command = [process.execPath, DV, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, ...TEST_ENV, ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, screen: r.stdout };
}

/** The last state of each progress line: what a person sees once the command ends. */
function finalLines(screen: string): string[] {
  return screen.split('\n').map((l) => l.replace(/\r$/, '').split('\r').pop()!.replace(/\x1b\[K/g, ''));
}

const hasScript = spawnSync('script', ['--version']).status === 0;

test('push, clone, fetch and pull draw a progress line on a terminal, and only there', { skip: !hasScript && 'util-linux script is not installed' }, () => {
  const { dir: a } = makeSourceRepo();
  const hub = path.join(tmpDir(), 'hub.dv');
  dvOk(path.dirname(hub), ['init', '--bare', hub]);
  dvOk(a, ['remote', 'add', 'origin', hub]);
  const now = { DV_PROGRESS_DELAY_MS: '0' };

  const pushed = dvOnTerminal(a, ['push', '--tags', 'origin', 'main'], now);
  assert.equal(pushed.code, 0, pushed.screen);
  const sent = finalLines(pushed.screen).find((l) => l.startsWith('Sending objects:'));
  const count = Number(/(\d+) object\(s\), \d+ bytes sent/.exec(pushed.screen)?.[1]);
  assert.ok(count > 0, pushed.screen);
  assert.match(sent ?? '', new RegExp(`^Sending objects: 100% \\(${count}/${count}\\), [\\d.]+ (B|KiB|MiB) \\| [\\d.]+ (B|KiB|MiB)/s$`));

  const parent = tmpDir();
  const cloned = dvOnTerminal(parent, ['clone', hub, 'b'], now);
  assert.equal(cloned.code, 0, cloned.screen);
  assert.match(finalLines(cloned.screen).join('\n'), new RegExp(`^Receiving objects: 100% \\(${count}/${count}\\), `, 'm'));
  assert.match(cloned.screen, /Cloned .* into /);

  // Nothing new: a fetch moves no object and draws no line.
  const fetched = dvOnTerminal(path.join(parent, 'b'), ['fetch'], now);
  assert.equal(fetched.code, 0, fetched.screen);
  assert.doesNotMatch(fetched.screen, /Receiving objects/);

  // A quick transfer under the default half-second delay draws none either.
  const quick = dvOnTerminal(path.join(parent, 'b'), ['pull']);
  assert.equal(quick.code, 0, quick.screen);
  assert.doesNotMatch(quick.screen, /objects:/);

  // A partial clone's checkout fetches the content it lacks with a line of its own.
  dvOk(parent, ['clone', '--no-checkout', hub, 'p']);
  const partial = dvOnTerminal(path.join(parent, 'p'), ['checkout', 'main', '--', 'data/weather.csv'], now);
  assert.equal(partial.code, 0, partial.screen);
  const lines = finalLines(partial.screen);
  assert.ok(lines.some((l) => /^Receiving objects: 100% \((\d+)\/\1\), /.test(l)), partial.screen);
  assert.match(partial.screen, /Updated 1 path\(s\) from main/);

  // Not a terminal: the output is the plain summary, as scripts read it.
  const plain = dv(tmpDir(), ['clone', hub, 'c'], { env: now });
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr + plain.stdout, /Receiving objects/);
});

test('a failed push ends its progress line before the error', { skip: !hasScript && 'util-linux script is not installed' }, () => {
  const { dir: a } = makeSourceRepo();
  const hub = path.join(tmpDir(), 'hub.dv');
  dvOk(path.dirname(hub), ['init', '--bare', hub]);
  dvOk(a, ['remote', 'add', 'origin', hub]);
  // A file where the remote's pack folder belongs: storing the first packed object fails, mid-transfer.
  fs.rmSync(path.join(hub, 'packs'), { recursive: true, force: true });
  fs.writeFileSync(path.join(hub, 'packs'), 'not a folder');
  const r = dvOnTerminal(a, ['push', 'origin', 'main'], { DV_PROGRESS_DELAY_MS: '0' });
  assert.notEqual(r.code, 0, r.screen);
  const lines = finalLines(r.screen);
  const error = lines.findIndex((l) => l.startsWith('dv: '));
  assert.ok(error > 0, r.screen);
  assert.match(lines[error - 1]!, /^Sending objects: \d+% /, 'the progress line stays as it ended');
  assert.equal(lines[error], `dv: cannot create a pack file: ${path.join(hub, 'packs')} is not a folder`);
  assert.equal(dvOk(hub, ['branch', '--json']).includes('main'), false, 'the remote branch did not move');
});
