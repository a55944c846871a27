import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHasher, hashBytes, type Oid } from '../hash/index.js';

/** The runtime a run executed in. */
export interface RunEnvironment {
  node: string;
  os: string;
  release: string;
  arch: string;
  /** Lockfiles found at the working-tree root (and the git root): name → content id. */
  lockfiles: Record<string, Oid>;
  /** One id over all lockfiles (sorted by name), or null when there are none. */
  lockHash: Oid | null;
  /** Container image reference or digest, declared (stage `image`, DV_IMAGE) or detected; null otherwise. */
  image: string | null;
  /** The values of the environment variables the stage chose to record (unset ones are absent). */
  vars: Record<string, string>;
}

/** Lockfiles of common package managers, looked for at the root(s). */
export const LOCKFILES = [
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb',
  'requirements.txt', 'poetry.lock', 'Pipfile.lock', 'uv.lock', 'conda-lock.yml', 'environment.yml',
  'Cargo.lock', 'go.sum', 'Gemfile.lock', 'renv.lock',
] as const;

/**
 * Captures the run environment. `roots` are searched for lockfiles (first one wins per
 * name); `image` is the stage's declared image; `vars` the variable names to record.
 */
export function readRunEnvironment(opts: { roots: string[]; image?: string | null; vars?: string[]; env?: NodeJS.ProcessEnv }): RunEnvironment {
  const env = opts.env ?? process.env;
  const lockfiles: Record<string, Oid> = {};
  for (const root of opts.roots) {
    for (const name of LOCKFILES) {
      if (lockfiles[name]) continue;
      const file = path.join(root, name);
      try {
        lockfiles[name] = hashBytes(fs.readFileSync(file));
      } catch {
        // absent or unreadable: not part of this environment
      }
    }
  }
  const names = Object.keys(lockfiles).sort();
  let lockHash: Oid | null = null;
  if (names.length > 0) {
    const h = createHasher();
    for (const n of names) h.update(Buffer.from(`${n}\0${lockfiles[n]}\n`));
    lockHash = h.digest();
  }
  const vars: Record<string, string> = {};
  for (const v of opts.vars ?? []) if (env[v] !== undefined) vars[v] = env[v]!;
  return {
    node: process.version,
    os: process.platform,
    release: os.release(),
    arch: process.arch,
    lockfiles,
    lockHash,
    image: opts.image ?? env.DV_IMAGE ?? detectContainerImage(),
    vars,
  };
}

/**
 * The image of the container this process runs in, when the runtime says: podman writes
 * `/run/.containerenv` with `image=` and `imageid=`; Docker only leaves `/.dockerenv`
 * (recorded as `docker` without a digest).
 */
export function detectContainerImage(): string | null {
  try {
    const text = fs.readFileSync('/run/.containerenv', 'utf8');
    const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1];
    const image = field('image');
    const id = field('imageid');
    if (image || id) return [image, id ? `sha256:${id}` : null].filter(Boolean).join('@');
  } catch {
    // not podman
  }
  return fs.existsSync('/.dockerenv') ? 'docker' : null;
}
