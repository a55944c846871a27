import { repoCommand, withJson } from '../../command.js';
import { printResult } from '../../output.js';
import { UsageError } from '../../../errors/index.js';

export default repoCommand({
  command: 'tag [names..]',
  describe: 'list, create or delete tags',
  builder: (y) => withJson(y)
    .positional('names', { type: 'string', array: true, describe: 'NAME [REV] to create; names to delete' })
    .option('a', { alias: 'annotate', type: 'boolean', default: false, describe: 'make an annotated tag (needs -m)' })
    .option('m', { alias: 'message', type: 'string', describe: 'message of an annotated tag (implies -a)' })
    .option('d', { alias: 'delete', type: 'boolean', default: false, describe: 'delete tags' })
    .option('f', { alias: 'force', type: 'boolean', default: false, describe: 'replace an existing tag' })
    .option('list', { alias: 'l', type: 'boolean', default: false, describe: 'list tags (names are glob patterns)' })
    .example('$0 tag v1.0', 'tag HEAD (a lightweight tag: just a ref)')
    .example('$0 tag -a v1.0 main~1 -m "Data as published"', 'an annotated tag with tagger and message')
    .example('$0 tag -d v1.0', 'delete a tag'),
  run: async (repo, argv) => {
    const h = await import('../../../history/index.js');
    const names = (argv.names ?? []).map(String);
    if (argv.d) {
      if (names.length === 0) throw new UsageError('tag -d needs the name of a tag to delete');
      if (argv.m !== undefined || argv.a || argv.list) throw new UsageError('-d does not combine with -a, -m or --list');
      printResult(argv, h.deleteTags(repo, names), (list) => list.map((t) => `Deleted tag '${t.name}' (was ${t.id.slice(0, 12)})`));
    } else if (argv.list || names.length === 0) {
      if (argv.m !== undefined || argv.a) throw new UsageError('-a and -m need a tag name');
      printResult(argv, h.listTags(repo, names), (list) => list.map((t) => t.name));
    } else {
      if (names.length > 2) throw new UsageError('tag takes NAME [REV]');
      if (argv.a && argv.m === undefined) throw new UsageError('an annotated tag needs a message: -m MSG');
      printResult(argv, h.createTag(repo, names[0]!, names[1], { message: argv.m, force: argv.f }), () => []);
    }
  },
});
