import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, InvalidInputError } from '../errors/index.js';

/**
 * Access tokens for `dv serve`, kept in a JSON file that stores only each secret's
 * SHA-256 (spec/remote-protocol.md). A token grants read and write by patterns
 * `REPO:BRANCH-GLOB`; `*` matches any run of characters (slashes included), `?` one.
 * Tags are matched as `tags/NAME`. Write implies read of the same refs.
 */
export interface TokenEntry {
  name: string;
  sha256: string;
  read: string[];
  write: string[];
  created: string;
}

interface TokenFile { version: 1; tokens: TokenEntry[] }

const SECRET_PREFIX = 'dvt_';

/** Reads a tokens file (a missing file holds no tokens). */
export function loadTokens(file: string): TokenEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let parsed: TokenFile;
  try {
    parsed = JSON.parse(text) as TokenFile;
  } catch (err) {
    throw new InvalidInputError(`tokens file ${file} is not valid JSON`, { cause: err });
  }
  if (!parsed || !Array.isArray(parsed.tokens)) throw new InvalidInputError(`tokens file ${file} has no "tokens" list`);
  for (const t of parsed.tokens) {
    if (typeof t.name !== 'string' || typeof t.sha256 !== 'string' || !Array.isArray(t.read) || !Array.isArray(t.write)) {
      throw new InvalidInputError(`tokens file ${file} has a malformed entry`);
    }
  }
  return parsed.tokens;
}

/** Checks a permission pattern `REPO:BRANCH-GLOB`. */
export function parsePattern(p: string): string {
  const i = p.indexOf(':');
  if (i <= 0 || i === p.length - 1) throw new InvalidInputError(`invalid permission pattern ${JSON.stringify(p)}`, { hint: 'use REPO:BRANCH-GLOB, e.g. hub:main, hub:team/*, *:*' });
  return p;
}

/**
 * Creates a token: a random secret (returned, never stored) whose hash is added to the
 * file (written atomically, mode 0600). Refuses a name already in use.
 */
export function createToken(file: string, name: string, perms: { read?: string[]; write?: string[] }): { name: string; secret: string } {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new InvalidInputError(`invalid token name ${JSON.stringify(name)}`, { hint: 'letters, digits, . _ @ - (up to 64)' });
  const read = (perms.read ?? []).map(parsePattern);
  const write = (perms.write ?? []).map(parsePattern);
  if (read.length === 0 && write.length === 0) throw new InvalidInputError('a token needs at least one --read or --write pattern');
  const tokens = loadTokens(file);
  if (tokens.some((t) => t.name === name)) throw new ConflictError(`a token named '${name}' already exists in ${file}`);
  const secret = SECRET_PREFIX + crypto.randomBytes(32).toString('base64url');
  tokens.push({ name, sha256: hashSecret(secret), read, write, created: new Date().toISOString() });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify({ version: 1, tokens } satisfies TokenFile, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { name, secret };
}

/** The token a secret belongs to (constant-time comparison of hashes), or undefined. */
export function findToken(tokens: TokenEntry[], secret: string): TokenEntry | undefined {
  const h = Buffer.from(hashSecret(secret), 'hex');
  let found: TokenEntry | undefined;
  for (const t of tokens) {
    const other = Buffer.from(t.sha256, 'hex');
    if (other.length === h.length && crypto.timingSafeEqual(other, h)) found = t;
  }
  return found;
}

function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** True when one of the patterns covers repository `repo` and ref `ref` (short: `main`, `tags/v1`); any ref when ref is undefined. */
export function patternsAllow(patterns: string[], repo: string, ref?: string): boolean {
  return patterns.some((p) => {
    const i = p.indexOf(':');
    return globMatch(p.slice(0, i), repo) && (ref === undefined || globMatch(p.slice(i + 1), ref));
  });
}

function globMatch(glob: string, text: string): boolean {
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(text);
}
