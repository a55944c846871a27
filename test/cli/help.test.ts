import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dvAsync, tmpDir } from '../helpers.js';

/** The commands a `--help` lists under "Commands:" (`dv NAME …` lines), for `prefix` ('' or 'remote '). */
function listedCommands(help: string, prefix: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^Options:$/m)[0] ?? '';
  const names = new Set<string>();
  for (const m of section.matchAll(new RegExp(`^  dv ${prefix}([a-z][\\w-]*)`, 'gm'))) names.add(m[1]!);
  return [...names];
}

test('every command and subcommand dv --help lists has --help with examples', { timeout: 120_000 }, async () => {
  const dir = tmpDir();
  const top = await dvAsync(dir, ['--help']);
  assert.equal(top.code, 0, top.stderr);
  const commands = listedCommands(top.stdout, '');
  // The contract's commands at least (DESIGN.md §3): a lost registration shows here.
  for (const must of ['init', 'add', 'commit', 'log', 'checkout', 'remote', 'push', 'fetch', 'pull', 'clone', 'serve', 'bundle', 'fsck', 'gc', 'bisect']) {
    assert.ok(commands.includes(must), `dv --help lists ${must}`);
  }
  const missing: string[] = [];
  const checked: string[] = [];
  await Promise.all(commands.map(async (cmd) => {
    const own = await dvAsync(dir, [cmd, '--help']);
    assert.equal(own.code, 0, `${cmd} --help: ${own.stderr}`);
    const subs = listedCommands(own.stdout, `${cmd} `);
    const pages = subs.length === 0 ? [[cmd, own.stdout]] : await Promise.all(subs.map(async (sub) => {
      const r = await dvAsync(dir, [cmd, sub, '--help']);
      assert.equal(r.code, 0, `${cmd} ${sub} --help: ${r.stderr}`);
      return [`${cmd} ${sub}`, r.stdout];
    }));
    for (const [name, page] of pages) {
      checked.push(name!);
      if (!/^Examples:$/m.test(page!)) missing.push(name!);
    }
  }));
  for (const sub of ['remote add', 'bundle create', 'source add']) assert.ok(checked.includes(sub), `${sub} --help was read`);
  assert.deepEqual(missing.sort(), [], 'commands whose --help shows no examples');
});
