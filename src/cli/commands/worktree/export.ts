import path from 'node:path';
import { repoCommand } from '../../command.js';
import { printResult } from '../../output.js';
import { startProgress, type Progress } from '../../progress.js';

export default repoCommand({
  command: 'export <rev> <dir>',
  describe: 'write the files of REV[:PATH] into a new or empty directory',
  builder: (y) => y
    .positional('rev', { type: 'string', demandOption: true, describe: 'REV or REV:PATH' })
    .positional('dir', { type: 'string', demandOption: true })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .example('$0 export v1 /tmp/v1', 'materialise the tagged version elsewhere')
    .example('$0 export HEAD~1:data/raw out', 'only one directory'),
  run: async (repo, argv) => {
    const { exportTree } = await import('../../../worktree/index.js');
    let bar: Progress | undefined;
    const result = await exportTree(repo, argv.rev, path.resolve(argv.dir), (n) => {
      bar ??= startProgress('Exporting', 0);
      bar.tick(n);
    });
    printResult(argv, result, (r) => `exported ${r.files} file(s), ${r.bytes} bytes to ${r.dest}`);
  },
});
