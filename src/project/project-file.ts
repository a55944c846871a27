import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidInputError } from '../errors/index.js';
import { PROJECT_FILE } from './file-name.js';

export { PROJECT_FILE };

/** Top-level sections of dv.yaml; each section's schema lives with the module that reads it. */
export const PROJECT_SECTIONS = ['stages', 'contracts', 'sources', 'keys', 'experiments'] as const;
export type ProjectSection = (typeof PROJECT_SECTIONS)[number];

/** dv.yaml as read: each known top-level section as plain data, still to be validated by its owner. */
export interface ProjectFile {
  /** Absolute path of the file, or null when the repository has none. */
  path: string | null;
  sections: Partial<Record<ProjectSection, unknown>>;
}

/**
 * Reads dv.yaml at `root` (a missing file is an empty project). Malformed YAML, a
 * top-level that is not a map, or an unknown top-level key is refused with the line.
 */
export function loadProjectFile(root: string): ProjectFile {
  const file = path.join(root, PROJECT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: null, sections: {} };
    throw err;
  }
  return parseProjectFile(text, file);
}

/** Parses dv.yaml text; `file` names it in errors. */
export function parseProjectFile(text: string, file = PROJECT_FILE): ProjectFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new InvalidInputError(`${PROJECT_FILE}${line ? ` line ${line}` : ''}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      data: { file },
      hint: `fix the YAML in ${file}`,
    });
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${PROJECT_FILE}: the top level must be a map of sections (${PROJECT_SECTIONS.join(', ')})`, { data: { file } });
  }
  const sections: ProjectFile['sections'] = {};
  for (const [key, section] of Object.entries(value)) {
    if (!(PROJECT_SECTIONS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`${PROJECT_FILE}: unknown section "${key}"`, {
        data: { file, key },
        hint: `the sections are ${PROJECT_SECTIONS.join(', ')}`,
      });
    }
    sections[key as ProjectSection] = section;
  }
  return { path: file, sections };
}
