#!/usr/bin/env node
// Generates the bundled sample data in sample/ (run once; the output is checked in).
// Deterministic: a seeded xorshift generator, so re-running reproduces the same bytes.
//
//   node scripts/demo-make-sample.mjs [outDir]
//
// Releases of a daily weather feed for four stations in 2024, as an upstream would
// publish them:
//   weather-2024.1.csv    first release
//   weather-2024.2.csv    upstream correction: Oslo's rain gauge recalibrated for March,
//                         Madrid's missing readings (empty cells) back-filled
//   weather-2024.2.1.csv  a hotfix that re-issues Helsinki's June rain after a gauge
//                         swap, with the sign flipped (the bad correction)
//   weather-2024.3.csv    a refresh that rounds Berlin's temperatures; it keeps the
//                         hotfix's broken rows
//   stations.csv / stations-2.csv   station list, then the same list with elevations
import fs from 'node:fs';
import path from 'node:path';

const outDir = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'sample'));

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}
const rand = rng(20240101);
const gauss = () => {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

const STATIONS = [
  { id: 'NO-OSL', name: 'Oslo Blindern', lat: 59.94, lon: 10.72, elev: 94, mean: 6.5, amp: 10.5, wet: 0.45, wind: 11 },
  { id: 'DE-BER', name: 'Berlin Tempelhof', lat: 52.47, lon: 13.4, elev: 48, mean: 10.2, amp: 9.5, wet: 0.4, wind: 14 },
  { id: 'ES-MAD', name: 'Madrid Retiro', lat: 40.41, lon: -3.68, elev: 667, mean: 15.3, amp: 10, wet: 0.17, wind: 9 },
  { id: 'FI-HEL', name: 'Helsinki Kaisaniemi', lat: 60.18, lon: 24.94, elev: 4, mean: 6.1, amp: 11.5, wet: 0.47, wind: 15 },
];

const HEADER = ['date', 'station', 'temp_max_c', 'temp_min_c', 'precip_mm', 'wind_kmh'];
const f1 = (x) => x.toFixed(1);

// One row per station and day of 2024 (a leap year: 366 days).
const rows = [];
for (let day = 0; day < 366; day++) {
  const date = new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10);
  for (const st of STATIONS) {
    const season = -Math.cos((2 * Math.PI * (day - 15)) / 366);
    const mid = st.mean + st.amp * season + 2.2 * gauss();
    const spread = 3.5 + 2 * rand() + (st.id === 'ES-MAD' ? 3 : 0);
    const tmax = mid + spread / 2;
    const tmin = mid - spread / 2;
    const precip = rand() < st.wet ? Math.min(60, -Math.log(Math.max(rand(), 1e-9)) * 4.2) : 0;
    const wind = Math.max(0, st.wind + 5 * gauss());
    rows.push({ date, station: st.id, tmax, tmin, precip, wind, month: Number(date.slice(5, 7)) });
  }
}

function csv(list, fmt) {
  return [HEADER.join(','), ...list.map(fmt)].join('\n') + '\n';
}
const release1 = (r, i) => {
  // The first release lost some Madrid readings in August (sensor outage) and reported
  // Oslo's March rain with a miscalibrated gauge (a fifth too high).
  const gap = r.station === 'ES-MAD' && r.month === 8 && i % 3 === 0;
  const precip = r.station === 'NO-OSL' && r.month === 3 ? r.precip * 1.2 : r.precip;
  return [r.date, r.station, gap ? '' : f1(r.tmax), gap ? '' : f1(r.tmin), f1(precip), f1(r.wind)].join(',');
};
const release2 = (r) => [r.date, r.station, f1(r.tmax), f1(r.tmin), f1(r.precip), f1(r.wind)].join(',');
// The hotfix re-issues Helsinki's June rain (the swapped gauge reads 8% lower) but
// writes the new values with the wrong sign.
const helsinkiJune = (r) => r.station === 'FI-HEL' && r.month === 6 && r.precip > 0;
const hotfix = (r) => {
  const precip = helsinkiJune(r) ? -r.precip * 0.92 : r.precip;
  return [r.date, r.station, f1(r.tmax), f1(r.tmin), f1(precip), f1(r.wind)].join(',');
};
const release3 = (r) => {
  const t = (x) => (r.station === 'DE-BER' ? Math.round(x).toFixed(1) : f1(x));
  const precip = helsinkiJune(r) ? -r.precip * 0.92 : r.precip;
  return [r.date, r.station, t(r.tmax), t(r.tmin), f1(precip), f1(r.wind)].join(',');
};

const stations1 = ['station,name,lat,lon', ...STATIONS.map((s) => [s.id, s.name, s.lat, s.lon].join(','))].join('\n') + '\n';
const stations2 = ['station,name,lat,lon,elevation_m', ...STATIONS.map((s) => [s.id, s.name, s.lat, s.lon, s.elev].join(','))].join('\n') + '\n';

fs.mkdirSync(outDir, { recursive: true });
const files = {
  'weather-2024.1.csv': csv(rows, release1),
  'weather-2024.2.csv': csv(rows, release2),
  'weather-2024.2.1.csv': csv(rows, hotfix),
  'weather-2024.3.csv': csv(rows, release3),
  'stations.csv': stations1,
  'stations-2.csv': stations2,
};
for (const [name, text] of Object.entries(files)) {
  fs.writeFileSync(path.join(outDir, name), text);
  process.stdout.write(`${name}: ${text.split('\n').length - 2} rows\n`);
}
