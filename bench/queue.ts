/**
 * `npm run bench:queue -- [--quick] [--out <dir>]`: the queue (repl-sandbox/queue)
 * against a local sandbox, on a throwaway redis-server on loopback with
 * executor processes (`repl-sandbox worker`), as a fleet runs them.
 *
 * - Latency, paired: sequential runs of the trivial snippet, windows
 *   alternating between a local 'worker' sandbox and the queue (one
 *   executor, 'worker'); the overhead is remote p50 − local p50 per round,
 *   and the report gives its median over the rounds.
 * - Throughput, paired: 16 callers for a window against one executor, then
 *   against two ('context', so that the queue is measured, not the boot rate
 *   of fresh Workers); the ratio two/one per round, median over rounds.
 * - Output chunks, paired: one chunk from an executor to the application by
 *   Redis pub/sub (what the queue uses) and by BullMQ's job progress with
 *   QueueEvents (the alternative), alternating, 20 ms apart.
 *
 * Prints one JSON document on stdout and keeps it as queue-latest.json in
 * the results directory. Needs redis-server (Debian: apt-get install redis-server).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Types only: a value import would load src/ through tsconfig's paths (see library.ts).
import type * as QueueEntry from 'repl-sandbox/queue';
import { Queue, QueueEvents, type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startExecutor } from '../test/queue/executors.js';
import { REDIS_SERVER, startRedis } from '../test/queue/redis.js';
import { loadLibrary } from './library.js';
import { machineInfo } from './machine.js';
import { sleep } from './measure.js';
import { runWithoutLoaders } from './relaunch.js';
import { TRIVIAL_SNIPPET } from './snippet.js';
import { median, round, summarize } from './stats.js';

interface RunResultLike {
  readonly ok: boolean;
}
type Run = (code: string) => Promise<RunResultLike>;

/** Sequential calls of `run`, `gapMs` apart; their latencies. */
async function series(run: Run, calls: number, gapMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    const result = await run(TRIVIAL_SNIPPET);
    latencies.push(performance.now() - started);
    if (!result.ok) throw new Error(`a run failed: ${JSON.stringify(result)}`);
    if (gapMs > 0) await sleep(gapMs);
  }
  return latencies;
}

/** `callers` loops of `run` for `durationMs`: calls per second. */
async function callsPerSecond(run: Run, callers: number, durationMs: number): Promise<number> {
  let calls = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const result = await run(TRIVIAL_SNIPPET);
        if (!result.ok) throw new Error(`a run failed: ${JSON.stringify(result)}`);
        calls++;
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/**
 * Latencies of one output chunk from a running job to a listener: by pub/sub
 * and by `job.updateProgress` heard through `QueueEvents`, alternating.
 */
async function outputChunk(url: string, sends: number): Promise<{ pubSub: number[]; progress: number[] }> {
  const name = `output-${Date.now()}`;
  const connections: Redis[] = [];
  const open = (): Redis => {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    connections.push(connection);
    return connection;
  };
  const queue = new Queue(name, { connection: open() });
  const events = new QueueEvents(name, { connection: open() });
  const subscriber = open();
  const publisher = open();
  let release: () => void = () => {};
  let running: Job | undefined;
  const worker = new Worker(
    name,
    async (job: Job) => {
      running = job;
      await new Promise<void>((resolve) => (release = resolve));
    },
    { connection: open() },
  );
  try {
    await events.waitUntilReady();
    await subscriber.subscribe('chunks');
    let heard: () => void = () => {};
    subscriber.on('message', () => heard());
    events.on('progress', () => heard());
    await queue.add('hold', {});
    while (running === undefined) await sleep(10);
    const job = running;
    const pubSub: number[] = [];
    const progress: number[] = [];
    for (let i = 0; i < sends; i++) {
      let started = performance.now();
      await new Promise<void>((resolve) => {
        heard = resolve;
        void publisher.publish('chunks', 'x\n');
      });
      pubSub.push(performance.now() - started);
      await sleep(20);
      started = performance.now();
      await new Promise<void>((resolve) => {
        heard = resolve;
        void job.updateProgress({ chunk: 'x\n', i });
      });
      progress.push(performance.now() - started);
      await sleep(20);
    }
    return { pubSub, progress };
  } finally {
    release();
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    for (const connection of connections) connection.disconnect();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const outIndex = argv.indexOf('--out');
  const outDir = resolve(outIndex >= 0 ? (argv[outIndex + 1] ?? '.') : fileURLToPath(new URL('./results/', import.meta.url)));
  if (REDIS_SERVER === undefined) {
    process.stderr.write('bench:queue needs redis-server (apt-get install redis-server)\n');
    return 2;
  }
  const config = {
    rounds: quick ? 3 : 7,
    callsPerWindow: quick ? 40 : 120,
    warmupCalls: 10,
    // As the main bench's sequential series: time for a spare to refill.
    gapMs: 50,
    callers: 16,
    executorConcurrency: 1,
    throughputWindowMs: quick ? 1_500 : 4_000,
  };
  // The build, as the main bench loads it (a snapshot of dist/), and the queue entry beside it.
  const { library, info, dispose } = await loadLibrary();
  const { createSandbox } = library;
  const { createQueueSandbox } = (await import(pathToFileURL(join(dirname(info.entry), 'queue', 'index.js')).href)) as typeof QueueEntry;
  const redis = await startRedis();
  const executors: Awaited<ReturnType<typeof startExecutor>>[] = [];
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  try {
    // Latency: one 'worker' executor, concurrency and warm as the local sandbox's (the defaults).
    executors.push(await startExecutor(redis.url, ['--queue', 'latency', '--isolation', 'worker']));
    const local = createSandbox({ isolation: 'worker' });
    const remote = createQueueSandbox({ connection: redis.url, queue: 'latency' });
    await local.warmup();
    await series((code) => local.run(code), config.warmupCalls, config.gapMs);
    await series((code) => remote.run(code), config.warmupCalls, config.gapMs);
    const latency: { localP50: number; remoteP50: number; overhead: number }[] = [];
    for (let r = 0; r < config.rounds; r++) {
      log(`latency round ${r + 1}/${config.rounds}`);
      const localP50 = summarize(await series((code) => local.run(code), config.callsPerWindow, config.gapMs)).p50;
      const remoteP50 = summarize(await series((code) => remote.run(code), config.callsPerWindow, config.gapMs)).p50;
      latency.push({ localP50, remoteP50, overhead: remoteP50 - localP50 });
    }
    // The same, back to back (no gap): what a caller that runs one snippet after another sees.
    const backToBack = summarize(await series((code) => remote.run(code), config.callsPerWindow, 0)).p50;
    await local.close();
    await remote.close();

    // Throughput: 'context' executors, one on queue "solo", two on queue "duo",
    // each taking one run at a time: on 2 cores, one executor at its default
    // concurrency (2) already keeps both cores busy, and a second one could
    // only share them.
    const contextArgs = ['--isolation', 'context', '--concurrency', String(config.executorConcurrency)];
    executors.push(await startExecutor(redis.url, ['--queue', 'solo', ...contextArgs]));
    executors.push(...(await Promise.all([1, 2].map(() => startExecutor(redis.url, ['--queue', 'duo', ...contextArgs])))));
    const solo = createQueueSandbox({ connection: redis.url, queue: 'solo' });
    const duo = createQueueSandbox({ connection: redis.url, queue: 'duo' });
    await callsPerSecond((code) => solo.run(code), config.callers, 500);
    await callsPerSecond((code) => duo.run(code), config.callers, 500);
    const throughput: { one: number; two: number; ratio: number }[] = [];
    for (let r = 0; r < config.rounds; r++) {
      log(`throughput round ${r + 1}/${config.rounds}`);
      const one = await callsPerSecond((code) => solo.run(code), config.callers, config.throughputWindowMs);
      await sleep(250);
      const two = await callsPerSecond((code) => duo.run(code), config.callers, config.throughputWindowMs);
      await sleep(250);
      throughput.push({ one: round(one), two: round(two), ratio: round(two / one) });
    }
    await solo.close();
    await duo.close();

    log('output chunks');
    const chunks = await outputChunk(redis.url, quick ? 50 : 200);

    const document = {
      schema: 'repl-sandbox-bench-queue/1',
      machine: machineInfo(),
      config: { ...config, snippet: TRIVIAL_SNIPPET },
      latency: {
        rounds: latency.map(({ localP50, remoteP50, overhead }) => ({ localP50Ms: round(localP50), remoteP50Ms: round(remoteP50), overheadMs: round(overhead) })),
        medianLocalP50Ms: round(median(latency.map(({ localP50 }) => localP50))),
        medianRemoteP50Ms: round(median(latency.map(({ remoteP50 }) => remoteP50))),
        medianOverheadMs: round(median(latency.map(({ overhead }) => overhead))),
        remoteBackToBackP50Ms: round(backToBack),
        target: 'overhead ≤ 2 ms',
      },
      throughput: {
        callers: config.callers,
        rounds: throughput,
        medianOneCallsPerSec: round(median(throughput.map(({ one }) => one))),
        medianTwoCallsPerSec: round(median(throughput.map(({ two }) => two))),
        medianRatio: round(median(throughput.map(({ ratio }) => ratio))),
        target: 'two executors ≥ 1.6× one',
      },
      outputChunk: {
        sends: chunks.pubSub.length,
        gapMs: 20,
        pubSubP50Ms: round(summarize(chunks.pubSub).p50),
        progressP50Ms: round(summarize(chunks.progress).p50),
        note: 'one chunk from a running job to a listener: Redis pub/sub (used) vs job.updateProgress + QueueEvents',
      },
    };
    const text = `${JSON.stringify(document, null, 2)}\n`;
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'queue-latest.json'), text);
    process.stdout.write(text);
    return 0;
  } finally {
    for (const executor of executors) executor.kill('SIGTERM');
    await Promise.all(executors.map(({ exited }) => exited));
    await redis.stop();
    dispose();
  }
}

process.exitCode = await runWithoutLoaders('./queue.ts', main);
