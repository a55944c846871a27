import { repoCommand, withJson } from '../../command.js';
import { note, printResult } from '../../output.js';
import { pathArgs } from '../history/args.js';
import { formatReport } from './format.js';

export default repoCommand({
  command: 'validate [rev]',
  describe: 'check the data contracts of dv.yaml; a failure explains itself, records an incident and exits 1',
  builder: (y) => withJson(y)
    .positional('rev', { type: 'string', describe: 'check this commit (default: the working tree)' })
    .option('staged', { type: 'boolean', default: false, describe: 'check the staged content (what dv commit would record)' })
    .example('$0 validate', 'check every file in the working tree that has a contract')
    .example('$0 validate HEAD~1 --json', 'check an earlier commit, as JSON')
    .example('$0 validate -- data/raw', 'check only files under data/raw'),
  run: async (repo, argv) => {
    const { checkContracts } = await import('../../../contracts/index.js');
    const paths = pathArgs(repo, argv);
    const report = await checkContracts(repo, { rev: argv.rev, index: argv.staged, paths: paths.length > 0 ? paths : undefined });
    printResult(argv, report, formatReport);
    if (!report.passed && !argv.json) note(`dv: ${report.checks.filter((c) => !c.passed).length} contract check(s) failed`);
    return report.passed ? 0 : 1;
  },
});
