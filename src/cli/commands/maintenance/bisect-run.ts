import { repoCommand, withJson } from '../../command.js';
import { note, printResult } from '../../output.js';
import { formatBisectStatus } from './bisect-format.js';

export default repoCommand({
  command: 'run [cmd..]',
  describe: 'run a command on each candidate: exit 0 good, 125 skip, 1-127 bad, 128+ stops',
  builder: (y) => withJson(y)
    .positional('cmd', { type: 'string', array: true, describe: 'the command and its arguments (after --), or one shell string' })
    .example('$0 bisect run -- node scripts/check.mjs data/features.csv', 'find the commit that broke the check')
    .example('$0 bisect run "npm test && node eval.mjs"', 'one string runs through the shell')
    .example('$0 bisect run --json -- node check.mjs', 'the first bad commit as JSON (command output goes to stderr)'),
  run: async (repo, argv) => {
    const { runBisect } = await import('../../../bisect/index.js');
    const command = [...(argv.cmd ?? []), ...((argv['--'] as unknown[] | undefined) ?? [])].map(String);
    const status = await runBisect(repo, {
      command,
      stdout: argv.json ? 'stderr' : 'inherit',
      onTest: (c) => note(`running '${command.join(' ')}' at ${c.slice(0, 12)}`),
      onStep: (c, verdict, s) => {
        note(`${c.slice(0, 12)} is ${verdict === 'skip' ? 'skipped' : verdict}`);
        if (s.state === 'testing') for (const line of formatBisectStatus(s)) note(line);
      },
    });
    printResult(argv, status, formatBisectStatus);
    if (status.state === 'only-skipped') {
      note('dv: bisect run cannot finish: only skipped commits are left');
      return 1;
    }
  },
});
