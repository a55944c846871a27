import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

export default repoCommand({
  command: 'create <file> <range..>',
  describe: 'write the objects of a revision range and its branches/tags into a bundle file',
  builder: (y) => withJson(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'bundle file to write' })
    .positional('range', { type: 'string', array: true, demandOption: true, describe: 'REV, FROM..TO or ^REV (excluded)' })
    .example('$0 bundle create all.dvb main', 'everything main reaches, with branch main')
    .example('$0 bundle create week48.dvb v1..main', 'only what main adds since tag v1 (the receiver must have v1)')
    .example('$0 bundle create rel.dvb main v2 --json', 'two refs, result as JSON'),
  run: async (repo, argv) => {
    const { createBundle } = await import('../../../remote/bundle/index.js');
    const r = await createBundle(repo, argv.file, (argv.range ?? []).map(String));
    printResult(argv, r, (x) => [
      `Wrote ${x.file}: ${x.objects} object(s), ${x.bytes} bytes`,
      ...Object.entries(x.refs).map(([ref, id]) => `  ${id.slice(0, 12)} ${ref}`),
      ...(x.prerequisites.length ? [`needs: ${x.prerequisites.map((p) => p.slice(0, 12)).join(' ')}`] : []),
    ]);
  },
});
