#!/usr/bin/env node
// The demo's data check, used as `dv bisect run node scripts/demo-check.mjs FILE`:
// exits 0 when the weather CSV is plausible, 1 (with the first problems on stderr) when
// it is not. Rules: every expected column present; precipitation and wind never
// negative; the day's minimum temperature not above its maximum. Empty cells (gaps in
// the upstream feed) are allowed.
import fs from 'node:fs';
import readline from 'node:readline';

const file = process.argv[2] ?? 'data/weather.csv';
const REQUIRED = ['date', 'station', 'temp_max_c', 'temp_min_c', 'precip_mm', 'wind_kmh'];

const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
let header;
let line = 0;
const problems = [];
for await (const text of lines) {
  line++;
  if (text === '') continue;
  const cells = text.split(',');
  if (!header) {
    header = new Map(cells.map((name, i) => [name, i]));
    const missing = REQUIRED.filter((c) => !header.has(c));
    if (missing.length) problems.push(`${file}: missing column(s) ${missing.join(', ')}`);
    if (problems.length) break;
    continue;
  }
  const get = (name) => {
    const v = cells[header.get(name)];
    return v === undefined || v === '' ? undefined : Number(v);
  };
  const where = `${file}:${line} (${cells[header.get('date')]} ${cells[header.get('station')]})`;
  const precip = get('precip_mm');
  const wind = get('wind_kmh');
  const tmax = get('temp_max_c');
  const tmin = get('temp_min_c');
  if (precip !== undefined && !(precip >= 0)) problems.push(`${where}: precip_mm is ${precip}`);
  if (wind !== undefined && !(wind >= 0)) problems.push(`${where}: wind_kmh is ${wind}`);
  if (tmax !== undefined && tmin !== undefined && tmin > tmax) problems.push(`${where}: temp_min_c ${tmin} > temp_max_c ${tmax}`);
}

if (problems.length) {
  for (const p of problems.slice(0, 3)) process.stderr.write(`check failed: ${p}\n`);
  if (problems.length > 3) process.stderr.write(`check failed: … and ${problems.length - 3} more\n`);
  process.exit(1);
}
process.stdout.write(`check passed: ${file} (${line - 1} rows)\n`);
