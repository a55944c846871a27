import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'rev-parse <rev>',
  describe: 'print the full id a revision names',
  builder: (y) => withJson(y)
    .positional('rev', { type: 'string', demandOption: true, describe: 'revision: id prefix, branch, tag, HEAD, REV~N, REV^N, REV:PATH' })
    .option('short', { type: 'boolean', default: false, describe: 'print the 12-character short id' })
    .option('abbrev-ref', { type: 'boolean', default: false, describe: 'print the branch name HEAD (or REV) stands for' })
    .example('$0 rev-parse HEAD~2', 'the id of the grandparent of HEAD')
    .example('$0 rev-parse --short v1.0^{commit}', 'the short id of the commit a tag points at')
    .example('$0 rev-parse --abbrev-ref HEAD', 'the current branch name'),
  run: async (repo, argv) => {
    const { resolveRevision, currentBranch } = await import('../../../history/index.js');
    const { shortOid } = await import('../../../hash/index.js');
    if (argv.abbrevRef) {
      const head = argv.rev === 'HEAD' || argv.rev === '@';
      if (!head) resolveRevision(repo, argv.rev);
      const name = head ? currentBranch(repo) ?? 'HEAD' : argv.rev;
      printResult(argv, { rev: argv.rev, name }, (r) => r.name);
      return;
    }
    const id = resolveRevision(repo, argv.rev);
    printResult(argv, { rev: argv.rev, id }, (r) => (argv.short ? shortOid(r.id) : r.id));
  },
});
