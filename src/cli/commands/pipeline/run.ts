import { UsageError } from '../../../errors/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { checkStageContracts, forwardOutput, formatRepro, reportReproFailure, withInterrupt } from './run-output.js';

export default repoCommand({
  command: 'run',
  describe: 'declare a stage in dv.yaml from the command line and run it',
  builder: (y) => withJson(y)
    .usage('$0 run -n NAME [-d DEP]… [-o OUT]… [-p KEY]… [-M FILE]… -- CMD…\n\ndeclare a stage in dv.yaml from the command line and run it')
    .option('name', { alias: 'n', type: 'string', demandOption: true, describe: 'stage name' })
    .option('deps', { alias: 'd', type: 'string', array: true, default: [], describe: 'a dependency (repeatable)' })
    .option('outs', { alias: 'o', type: 'string', array: true, default: [], describe: 'an output (repeatable)' })
    .option('params', { alias: 'p', type: 'string', array: true, default: [], describe: 'a params.yaml key (repeatable)' })
    .option('metrics', { alias: 'M', type: 'string', array: true, default: [], describe: 'a JSON metrics file the stage writes (repeatable)' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'replace an existing stage of that name' })
    .example('$0 run -n features -d scripts/f.mjs -d data/raw.csv -o data/features.csv -- node scripts/f.mjs', 'record and run a stage')
    .example('$0 run -n train -d data/features.csv -p train.seed -M metrics.json -- node train.mjs', 'with a param and a metrics file'),
  run: async (repo, argv) => {
    const words = ((argv as { '--'?: unknown[] })['--'] ?? []).map(String);
    if (words.length === 0) throw new UsageError('give the command after --', { hint: 'dv run -n NAME -d DEP -o OUT -- CMD…' });
    const { declareAndRun } = await import('../../../pipeline/index.js');
    const decl = { name: argv.name, cmd: words.join(' '), deps: argv.deps, outs: argv.outs, params: argv.params, metrics: argv.metrics };
    const result = await withInterrupt((signal) => declareAndRun(repo, decl, { replace: argv.force, signal, onOutput: forwardOutput, beforeStage: checkStageContracts }));
    printResult(argv, result, formatRepro);
    return reportReproFailure(result);
  },
});
