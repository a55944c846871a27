import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';
import { startProgress, type Progress } from '../../progress.js';

export default repoCommand({
  command: 'add <paths..>',
  describe: 'stage files or directories (new, changed and deleted files under them)',
  builder: (y) => y
    .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'files or directories' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'add files even if .dvignore ignores them' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 add data/raw', 'stage everything under data/raw')
    .example('$0 add data/raw/weather.csv && dv commit -m "Upstream fix"', 'stage one file and commit it'),
  run: async (repo, argv) => {
    const { add } = await import('../../../worktree/index.js');
    let bar: Progress | undefined;
    const result = await add(repo, {
      paths: argv.paths as string[], cwd: process.cwd(), force: argv.force,
      onStart: (total) => { bar = startProgress('Adding', total); },
      onBytes: (n) => bar?.tick(n),
    });
    bar?.done();
    printResult(argv, result, (r) => {
      const lines: string[] = [];
      for (const p of r.added) lines.push(`add     ${p}`);
      for (const p of r.modified) lines.push(`update  ${p}`);
      for (const p of r.removed) lines.push(`remove  ${p}`);
      return lines.length > 50 ? [...lines.slice(0, 20), `… ${r.added.length} added, ${r.modified.length} updated, ${r.removed.length} removed`] : lines;
    });
  },
});
