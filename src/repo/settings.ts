import { InvalidInputError, NotFoundError } from '../errors/index.js';
import { formatBytes, parseByteSize } from '../util/index.js';
import type { Repository } from './repository.js';

/** A setting people may change with `dv config`: stored in the config database under its name. */
export interface Setting {
  name: string;
  describe: string;
  default: number;
  /** Parses the text given on the command line; undefined when it is not a valid value. */
  parse(text: string): number | undefined;
  format(value: number): string;
  /** What a valid value looks like, for the error on a bad one. */
  example: string;
}

/** Every setting `dv config` reads and writes; other config keys are dv's own state. */
export const SETTINGS: readonly Setting[] = [
  {
    name: 'pipeline.outputCacheBytes',
    describe: 'bytes of stage outputs kept as files under .dv/cache/outputs for fast restores (0 turns it off)',
    default: 2 * 2 ** 30,
    parse: parseByteSize,
    format: (v) => (v === 0 ? '0' : `${v} (${formatBytes(v)})`),
    example: 'a size such as 0, 500M, 2G or 1073741824',
  },
];

/** The setting of that name; NotFoundError listing the known ones otherwise. */
export function findSetting(name: string): Setting {
  const s = SETTINGS.find((x) => x.name === name);
  if (!s) throw new NotFoundError(`no setting named '${name}'`, { data: { name }, hint: `settings: ${SETTINGS.map((x) => x.name).join(', ')}` });
  return s;
}

/** A setting's value: the one set in this repository, else its default. */
export function readSetting(repo: Repository, name: string): { value: number; isDefault: boolean } {
  const s = findSetting(name);
  const v = repo.getConfig(s.name);
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? { value: v, isDefault: false } : { value: s.default, isDefault: true };
}

/** Sets a setting from its text form, or resets it to its default (`text` undefined). */
export function writeSetting(repo: Repository, name: string, text: string | undefined): { value: number; isDefault: boolean } {
  const s = findSetting(name);
  if (text === undefined) {
    repo.setConfig(s.name, undefined);
    return { value: s.default, isDefault: true };
  }
  const v = s.parse(text);
  if (v === undefined || v < 0) throw new InvalidInputError(`not a valid value for ${s.name}: '${text}'`, { data: { name: s.name, text }, hint: `give ${s.example}` });
  repo.setConfig(s.name, v);
  return { value: v, isDefault: false };
}
