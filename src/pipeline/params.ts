import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { InvalidInputError } from '../errors/index.js';
import type { RepoPath } from '../util/index.js';
import { DEFAULT_PARAMS_FILE, type ParamRef } from './stage.js';

/** The name a param has in run records and messages: `train.seed`, or `file.yaml:key` for other files. */
export function paramName(ref: ParamRef): string {
  return ref.file === DEFAULT_PARAMS_FILE ? ref.key : `${ref.file}:${ref.key}`;
}

/**
 * Reads the values of a stage's params from their YAML files under `root`. A missing file
 * or key is refused before anything runs.
 */
export function readParams(root: string, refs: ParamRef[], stage: string): Record<string, unknown> {
  const files = new Map<RepoPath, unknown>();
  const out: Record<string, unknown> = {};
  for (const ref of refs) {
    if (!files.has(ref.file)) files.set(ref.file, loadParamsFile(root, ref.file, stage));
    let cur: unknown = files.get(ref.file);
    for (const part of ref.key.split('.')) {
      if (typeof cur !== 'object' || cur === null || !(part in cur)) {
        throw new InvalidInputError(`stage ${stage}: param '${ref.key}' is not in ${ref.file}`, {
          data: { stage, key: ref.key, file: ref.file }, hint: `add it to ${ref.file} or remove it from the stage's params`,
        });
      }
      cur = (cur as Record<string, unknown>)[part];
    }
    out[paramName(ref)] = cur;
  }
  return out;
}

function loadParamsFile(root: string, file: RepoPath, stage: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, file), 'utf8');
  } catch (err) {
    throw new InvalidInputError(`stage ${stage}: params file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      data: { stage, file }, cause: err,
    });
  }
  try {
    return parse(text) ?? {};
  } catch (err) {
    throw new InvalidInputError(`${file}: ${(err as Error).message.split('\n')[0]}`, { data: { file }, cause: err });
  }
}
