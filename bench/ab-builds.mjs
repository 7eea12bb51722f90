// `node bench/ab-builds.mjs <dist A> <dist B> [levels…]`: two builds of the
// library side by side, for "no level got slower". For each level, in
// alternating windows (A, B, then B, A the next round; 4 rounds): the p50 of
// 30 sequential calls 50 ms apart (warm spares), and calls/s at concurrency 8
// for 2 s. Prints one JSON document: per level the medians over rounds and
// the median of the per-round ratios B/A. A dist must sit inside a checkout
// (its imports resolve from node_modules above it): e.g. build the old commit
// with `git worktree add`, or copy its dist/ under .cache/.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const [distA, distB, ...levelArgs] = process.argv.slice(2);
if (distA === undefined || distB === undefined) {
  console.error('usage: node bench/ab-builds.mjs <dist A> <dist B> [worker context process confined]');
  process.exit(2);
}
const levels = levelArgs.length > 0 ? levelArgs : ['worker', 'context', 'process'];
const SNIPPET = 'console.log("x"); 6 * 7';
const ROUNDS = 4;
const CALLS = 30;
const GAP_MS = 50;
const WINDOW_MS = 2000;
const load = async (dist) => import(pathToFileURL(resolve(dist, 'index.js')).href);
const libraries = { A: await load(distA), B: await load(distB) };
const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round3 = (x) => Math.round(x * 1000) / 1000;

async function call(sandbox) {
  const result = await sandbox.run(SNIPPET);
  if (!result.ok || result.result !== 42 || result.output !== 'x\n') throw new Error(`wrong answer: ${JSON.stringify(result)}`);
}

async function p50(sandbox) {
  await sandbox.warmup();
  for (let i = 0; i < 3; i++) await call(sandbox);
  const latencies = [];
  for (let i = 0; i < CALLS; i++) {
    await sleep(GAP_MS);
    const started = performance.now();
    await call(sandbox);
    latencies.push(performance.now() - started);
  }
  return median(latencies);
}

async function callsPerSecond(sandbox) {
  await sandbox.warmup();
  await sleep(300);
  let calls = 0;
  const started = performance.now();
  const deadline = started + WINDOW_MS;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < deadline) {
      await call(sandbox);
      calls++;
    }
  }));
  return calls / ((performance.now() - started) / 1000);
}

const report = { snippet: SNIPPET, node: process.version, distA: resolve(distA), distB: resolve(distB), method: `per level: ${ROUNDS} rounds, A and B alternating (order swapped each round); p50 of ${CALLS} calls ${GAP_MS} ms apart, then calls/s at concurrency 8 over ${WINDOW_MS / 1000} s; medians over rounds, ratio B/A per round then median`, levels: {} };
for (const isolation of levels) {
  const sandboxes = { A: libraries.A.createSandbox({ isolation }), B: libraries.B.createSandbox({ isolation }) };
  const rounds = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
      const row = {};
      for (const side of order) row[`${side}p50Ms`] = await p50(sandboxes[side]);
      for (const side of order) row[`${side}CallsPerSec`] = await callsPerSecond(sandboxes[side]);
      rounds.push(row);
      console.error(`${isolation} round ${r + 1}: ${JSON.stringify(row, (_k, v) => (typeof v === 'number' ? round3(v) : v))}`);
    }
  } finally {
    await Promise.all(Object.values(sandboxes).map((sandbox) => sandbox.close()));
  }
  const pick = (key) => rounds.map((row) => row[key]);
  report.levels[isolation] = {
    p50Ms: { A: round3(median(pick('Ap50Ms'))), B: round3(median(pick('Bp50Ms'))) },
    callsPerSecC8: { A: round3(median(pick('ACallsPerSec'))), B: round3(median(pick('BCallsPerSec'))) },
    p50BOverA: round3(median(rounds.map((row) => row.Bp50Ms / row.Ap50Ms))),
    callsPerSecBOverA: round3(median(rounds.map((row) => row.BCallsPerSec / row.ACallsPerSec))),
  };
}
console.log(JSON.stringify(report, null, 2));
