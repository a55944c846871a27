import { UsageError } from '../../../errors/index.js';
import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';

/** `dv config [NAME [VALUE]] [--unset]`: the settings of this repository. */
export default repoCommand({
  command: 'config [name] [value]',
  describe: 'show or change a setting of this repository (all settings when no name is given)',
  builder: (y) => withJson(y)
    .positional('name', { type: 'string', describe: 'setting name, e.g. pipeline.outputCacheBytes' })
    .positional('value', { type: 'string', describe: 'new value' })
    .option('unset', { type: 'boolean', default: false, describe: 'set it back to its default' })
    .example('$0 config', 'every setting with its value')
    .example('$0 config pipeline.outputCacheBytes 500M', 'keep at most 500 MiB of stage outputs as files')
    .example('$0 config --unset pipeline.outputCacheBytes', 'back to the default'),
  run: async (repo, argv) => {
    const { SETTINGS, readSetting, writeSetting, findSetting } = await import('../../../repo/index.js');
    if ((argv.unset || argv.value !== undefined) && argv.name === undefined) throw new UsageError('name the setting to change');
    if (argv.unset && argv.value !== undefined) throw new UsageError('give a value or --unset, not both');
    const names = argv.name === undefined ? SETTINGS.map((s) => s.name) : [findSetting(argv.name).name];
    const change = argv.unset || argv.value !== undefined;
    const settings = names.map((name) => ({ name, ...(change ? writeSetting(repo, name, argv.unset ? undefined : argv.value) : readSetting(repo, name)) }));
    printResult(argv, { settings }, (r) => r.settings.map((s) => `${s.name} = ${findSetting(s.name).format(s.value)}${s.isDefault ? ' (default)' : ''}`));
  },
});
