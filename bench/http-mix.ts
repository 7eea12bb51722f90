/**
 * `npx tsx --tsconfig tsconfig.build.json bench/http-mix.ts [--json] [--requests 150] [--queue-timeout 1000] [--rounds 3] [--isolation worker]`
 *
 * The README's HTTP endpoint (test/fixtures/http-server.ts) under a burst:
 * `--requests` at once from this process, one in ten a `while (true) {}`
 * that only its 300 ms timeout ends, the rest `i * 2`. Each round runs the
 * baseline (no `queueTimeout`, the default) and then the same burst with
 * `--queue-timeout`, each on a fresh, warmed sandbox, and reports the plain
 * requests' latency at the client (served or shed), how many were shed
 * (503), and the host's event-loop delay.
 *
 * `--tsconfig tsconfig.build.json`: without its empty `paths`, tsx would map
 * 'repl-sandbox' to src/; with it, the fixture and this file load dist/, what
 * ships (run `npm run build` first).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createSandbox, type Isolation } from 'repl-sandbox';
import { createEvalServer } from '../test/fixtures/http-server.js';
import { currentLoadAvg, machineInfo } from './machine.js';
import { roundSummary, type Summary, summarize } from './stats.js';

interface Outcome {
  readonly queueTimeout: number;
  /** Plain requests, served or shed: milliseconds from sending to the whole answer. */
  readonly plain: Summary;
  /** Plain requests answered 200. */
  readonly served: Summary;
  readonly shed: number;
  readonly spinnersTimedOut: number;
  readonly wallMs: number;
  readonly loopDelayP99Ms: number;
  readonly loadAvg: readonly number[];
}

async function burst(requests: number, queueTimeout: number, isolation: Isolation): Promise<Outcome> {
  const sandbox = createSandbox({ isolation, timeout: 5_000, queueTimeout });
  await sandbox.warmup();
  const server = createEvalServer(sandbox);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const startedAt = performance.now();
  try {
    const replies = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const spins = i % 10 === 5;
        const sentAt = performance.now();
        const response = await fetch(base, { method: 'POST', body: JSON.stringify(spins ? { code: 'while (true) {}', timeout: 300 } : { code: `${i} * 2` }) });
        const body = (await response.json()) as { error?: { type?: string } };
        return { spins, status: response.status, type: body.error?.type, ms: performance.now() - sentAt };
      }),
    );
    const plain = replies.filter((reply) => !reply.spins);
    return {
      queueTimeout,
      plain: roundSummary(summarize(plain.map((reply) => reply.ms))),
      served: roundSummary(summarize(plain.filter((reply) => reply.status === 200).map((reply) => reply.ms))),
      shed: replies.filter((reply) => reply.status === 503).length,
      spinnersTimedOut: replies.filter((reply) => reply.spins && reply.type === 'timeout').length,
      wallMs: Math.round(performance.now() - startedAt),
      loopDelayP99Ms: Math.round(delay.percentile(99) / 1e6),
      loadAvg: currentLoadAvg(),
    };
  } finally {
    delay.disable();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await sandbox.close();
  }
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    requests: { type: 'string', default: '150' },
    'queue-timeout': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    isolation: { type: 'string', default: 'worker' },
  },
});
const requests = Number(values.requests);
const queueTimeout = Number(values['queue-timeout']);
const rounds = Number(values.rounds);
const isolation = values.isolation as Isolation;
const machine = machineInfo();
const outcomes: Outcome[] = [];
for (let round = 0; round < rounds; round++) {
  // The baseline first in every round, beside its comparison: the machine is shared and its load drifts.
  for (const limit of [Infinity, queueTimeout]) {
    const outcome = await burst(requests, limit, isolation);
    outcomes.push(outcome);
    if (!values.json) {
      const { plain, served } = outcome;
      process.stdout.write(
        `round ${round + 1}  queueTimeout ${String(limit).padEnd(8)}  plain p50 ${plain.p50} ms  p99 ${plain.p99} ms  max ${plain.max} ms  | ` +
          `served ${served.n} (p50 ${served.p50} ms)  shed ${outcome.shed}  spinners timed out ${outcome.spinnersTimedOut}  ` +
          `wall ${outcome.wallMs} ms  loop-delay p99 ${outcome.loopDelayP99Ms} ms  load ${outcome.loadAvg.join(' ')}\n`,
      );
    }
  }
}
if (values.json) process.stdout.write(`${JSON.stringify({ machine, requests, isolation, outcomes }, null, 2)}\n`);
else process.stdout.write(`${machine.cpuModel}, ${machine.availableParallelism} cores, Node ${machine.node}; isolation ${isolation}, ${requests} requests\n`);
