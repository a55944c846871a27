import fs from 'node:fs';
import path from 'node:path';
import { dvOk, makeRepo, specInput } from '../helpers.js';

/** A CSV-like file of about `bytes` bytes with deterministic rows. */
export function csvBytes(rows: number, seed = 1): Buffer {
  const rnd = specInput(rows * 4, seed);
  const lines = ['id,station,value'];
  for (let i = 0; i < rows; i++) lines.push(`${i},st${rnd[i * 4]! % 50},${(rnd[i * 4 + 1]! << 8) | rnd[i * 4 + 2]!}`);
  return Buffer.from(lines.join('\n') + '\n');
}

/** Changes about 1% of the rows, scattered over the file. */
export function correctRows(csv: Buffer, every = 100): Buffer {
  const lines = csv.toString('utf8').split('\n');
  for (let i = 1; i < lines.length - 1; i += every) lines[i] = lines[i]!.replace(/,(\d+)$/, ',999999');
  return Buffer.from(lines.join('\n'));
}

/**
 * A repository with two commits: `v1` (a ~2 MB CSV and two small files) and `main`
 * (the CSV with 1% of rows corrected, so its changed chunks are stored as deltas).
 */
export function makeSourceRepo(): { dir: string; csv: Buffer } {
  const csv = csvBytes(100_000);
  const dir = makeRepo({ 'data/weather.csv': csv, 'data/notes/readme.txt': 'weather data\n', 'params.yaml': 'seed: 1\n' });
  dvOk(dir, ['add', 'data', 'params.yaml']);
  dvOk(dir, ['commit', '-m', 'first']);
  dvOk(dir, ['tag', 'v1']);
  fs.writeFileSync(path.join(dir, 'data/weather.csv'), correctRows(csv));
  dvOk(dir, ['add', 'data']);
  dvOk(dir, ['commit', '-m', 'correct 1% of rows']);
  return { dir, csv };
}
