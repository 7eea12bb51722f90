/**
 * Channels besides the harness's own: Node's internal ones (the IPC channel
 * of a child, the internal port of a worker), side channels the code can
 * flood, reports the host cannot read back, and the host's own stdout. The
 * cases that could take the host down run with the host in a child process
 * (runInChildHost, or runMeasured below), never in the test runner.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Isolation, RunResult } from 'repl-sandbox';
import { CONFINED_AVAILABLE, expectError, expectOk, inChildProcess, LEVELS } from '../helpers.js';
import {
  type ChildHostOutcome,
  DIST_ENTRY,
  expectHealthy,
  type HostScriptResult,
  hostileSandboxes,
  ON_LINUX,
  type ResultSummary,
  runInChildHost,
} from './helpers.js';

/** The host exited normally and its next run, `1 + 1`, worked. */
function expectHostSurvived(child: ChildHostOutcome): void {
  expect({ status: child.status, signal: child.signal, next: child.next }, child.stderr).toEqual({
    status: 0,
    signal: null,
    next: { ok: true, result: 2, inspected: '2' },
  });
}

const PROTOCOL_CRASH = { ok: false, error: { type: 'crashed', reason: 'error', message: expect.stringMatching(/report protocol/) as unknown } };

/** The hostile run ended ok with `result`, or was stopped for breaking the report protocol: anything but a host death. */
function expectOkOrProtocolCrash(first: ResultSummary | undefined, result: unknown): void {
  expect(first).toBeDefined();
  if (first?.ok === true) expect(first.result).toEqual(result);
  else expect(first).toMatchObject(PROTOCOL_CRASH);
}

/** Node's internal worker messages, each of which Node's own code in the host does not expect from a thread. */
const INTERNAL_MESSAGES = `[
  { type: 'bogus' },
  { type: 'stdioPayload', stream: 'nope', chunks: [{ chunk: 'x' }] },
  { type: 'stdioWantsMoreData', stream: 'nope' },
  { type: 'errorMessage', error: null },
]`;

/**
 * Code that posts every internal message on each port-like object `findPorts`
 * (an expression) lists, directly and through MessagePort.prototype.postMessage,
 * then gives the host 300 ms to process them. Completes with whether it found any.
 */
function postOnEvery(findPorts: string): string {
  return `
    const { MessagePort } = require('worker_threads');
    const ports = new Set(${findPorts});
    for (const port of ports) for (const message of ${INTERNAL_MESSAGES}) {
      try { port.postMessage(message) } catch {}
      try { MessagePort.prototype.postMessage.call(port, message) } catch {}
    }
    await new Promise((r) => setTimeout(r, 300));
    ports.size > 0`;
}

const STDIO_SYMBOLS = `(() => {
  const found = [];
  for (const stream of [process.stdout, process.stderr, process.stdin])
    for (const symbol of Object.getOwnPropertySymbols(stream)) { const p = stream[symbol]; if (p && typeof p.postMessage === 'function') found.push(p) }
  return found;
})()`;

const ACTIVE_HANDLES = `[
  ...process._getActiveHandles().filter((h) => h && typeof h.postMessage === 'function'),
  require('worker_threads').parentPort,
  require('async_hooks').executionAsyncResource(),
].filter((p) => p && typeof p.postMessage === 'function')`;

/** Every object with a postMessage reachable through data properties of process, globalThis, worker_threads and the stdio streams (prototypes included, no getters called). */
const OBJECT_GRAPH = `(() => {
  const wt = require('worker_threads');
  const queue = [process, globalThis, wt, process.stdout, process.stderr, process.stdin, require('async_hooks'), require('module')];
  const seen = new Set(), found = [];
  while (queue.length > 0 && seen.size < 20000) {
    const o = queue.shift();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    let post; try { post = o.postMessage } catch {}
    if (typeof o === 'object' && typeof post === 'function') found.push(o);
    let keys = []; try { keys = Reflect.ownKeys(o) } catch {}
    for (const k of keys) { let d; try { d = Reflect.getOwnPropertyDescriptor(o, k) } catch {} if (d && 'value' in d) queue.push(d.value) }
    try { queue.push(Object.getPrototypeOf(o)) } catch {}
  }
  return found;
})()`;

describe.each(LEVELS)("%s: Node's internal messages, sent on every channel the code can find", (isolation) => {
  if (inChildProcess(isolation)) {
    // The child has no Node IPC channel: process.send and process.channel do not exist.
    it.each([
      ['NODE_HANDLE_ACK with process.send', `process.send?.({ cmd: 'NODE_HANDLE_ACK' }); [typeof process.send, typeof process.channel]`],
      ['NODE_HANDLE (a net.Socket) with process.send', `process.send?.({ cmd: 'NODE_HANDLE', type: 'net.Socket' }, require('net').Socket()); [typeof process.send, typeof process.channel]`],
      [
        'process.channel, used directly',
        `const c = process.channel; if (c) { c.ref(); c.writeUtf8String?.({}, '{"cmd":"NODE_HANDLE_ACK"}\\n'); c.readStart?.(); }
         [typeof process.send, typeof process.channel]`,
      ],
    ])('%s: the run is ok, the host survives', async (_how, code) => {
      const child = await runInChildHost(isolation, code, { timeout: 5_000 });
      expectHostSurvived(child);
      expect(child.first).toEqual({ ok: true, result: ['undefined', 'undefined'], inspected: "[ 'undefined', 'undefined' ]" });
    });

    const RAW_LINES = (fds: string): string => `
      const fs = require('fs'); const wrote = [];
      for (const fd of ${fds}) { try { fs.writeSync(fd, '{"cmd":"NODE_HANDLE_ACK"}\\n'); wrote.push(fd) } catch {} }
      wrote.includes(1)`;

    it('raw JSON IPC lines written to fds 0..10: stopped at fd 3 (the report pipe), the host survives', async () => {
      const child = await runInChildHost(isolation, RAW_LINES('[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]'), { timeout: 5_000 });
      expectHostSurvived(child);
      expect(child.first).toMatchObject(PROTOCOL_CRASH);
    });

    it('raw JSON IPC lines written to fds 0..10 but 3: the run is ok, the host survives', async () => {
      const child = await runInChildHost(isolation, RAW_LINES('[0, 1, 2, 4, 5, 6, 7, 8, 9, 10]'), { timeout: 5_000 });
      expectHostSurvived(child);
      expect(child.first).toEqual({ ok: true, result: true, inspected: 'true' });
    });
  } else {
    it.each([
      ["the ports under process.stdout/stderr/stdin's symbols (kPort)", STDIO_SYMBOLS],
      ['process._getActiveHandles(), parentPort and executionAsyncResource()', ACTIVE_HANDLES],
      ['every object with a postMessage reachable from process, globalThis and worker_threads', OBJECT_GRAPH],
    ])('posted on %s: the host survives', async (_where, findPorts) => {
      const child = await runInChildHost(isolation, postOnEvery(findPorts), { timeout: 5_000 });
      expectHostSurvived(child);
      expectOkOrProtocolCrash(child.first, true);
    });
  }
});



/** runInChildHost with the hostile run's timeout, more sandbox options, and the host's stdout a pipe if asked. */
function runMeasured(
  isolation: Isolation,
  code: string,
  timeout: number,
  sandboxOptions: object = {},
  stdoutAPipe = false,
): Promise<ChildHostOutcome> {
  return runInChildHost(isolation, code, { timeout, sandbox: sandboxOptions, ...(stdoutAPipe ? { runner: runHostScriptOnAPipe } : {}) });
}

/**
 * runHostScript, with the host's stdout a pipe (`| cat`) rather than the
 * socket pair a Node parent gives it. The host's exit status arrives as a
 * last `STATUS` line.
 */
function runHostScriptOnAPipe(body: string, timeoutMs = 30_000): Promise<HostScriptResult> {
  const source = `import { createSandbox } from ${JSON.stringify(DIST_ENTRY)};\n${body}`;
  const shell = '{ "$0" --input-type=module -e "$1"; echo "STATUS $?"; } | cat';
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', shell, process.execPath, source], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(0, 8_192)));
    const timer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      const status = Number(/^STATUS (\d+)$/m.exec(stdout)?.[1] ?? Number.NaN);
      const signal = Object.entries(osConstants.signals).find(([, number]) => status === 128 + number)?.[0] as NodeJS.Signals | undefined;
      resolve({ status: signal === undefined ? status : null, signal: signal ?? null, stdout, stderr });
    });
  });
}

// Long enough for every flood to pile up hundreds of MB if nothing bounded it.
const FLOOD_TIMEOUT = 1_000;

/** A flood ended by the timeout (or a crash), in time, with the host's memory bounded. */
function expectFloodContained(child: ChildHostOutcome, ended: 'timeout' | 'crashed'): void {
  expectHostSurvived(child);
  expect(child.first).toMatchObject({ ok: false, error: { type: ended } });
  if (ended === 'crashed') expect(child.first).toMatchObject(PROTOCOL_CRASH);
  expect(child.elapsedMs).toBeLessThan(FLOOD_TIMEOUT + 2_500);
  // The point is no multi-GB growth: a worker's own heap counts in the host's RSS.
  expect(child.peakGrowthMb).toBeLessThan(1_500);
}

describe.each(LEVELS)('%s: floods on side channels', (isolation) => {
  const floods: ReadonlyArray<readonly [string, string, 'timeout' | 'crashed']> =
    inChildProcess(isolation)
      ? [
          ['fd 1 (ignored)', `const fs = require('fs'), s = 'x'.repeat(1e6); for (;;) { try { fs.writeSync(1, s) } catch {} }`, 'timeout'],
          ['fd 2 (the stderr pipe the host keeps a tail of)', `const fs = require('fs'), s = 'x'.repeat(1e6); for (;;) { try { fs.writeSync(2, s) } catch {} }`, 'timeout'],
          ['fd 3 (the report pipe), with garbage', `const fs = require('fs'), b = Buffer.alloc(1 << 20, 0x5a); for (;;) { try { fs.writeSync(3, b) } catch {} }`, 'crashed'],
        ]
      : [
          ['parentPort.postMessage', `const s = 'x'.repeat(1e7), p = require('worker_threads').parentPort; for (;;) p.postMessage(s)`, 'timeout'],
          [
            'MessagePort.prototype.postMessage.call(parentPort)',
            `const wt = require('worker_threads'), s = 'x'.repeat(1e7), p = wt.parentPort; for (;;) wt.MessagePort.prototype.postMessage.call(p, s)`,
            'timeout',
          ],
          ['Writable.prototype.write on process.stdout', `const s = 'x'.repeat(1e7), W = require('stream').Writable; for (;;) W.prototype.write.call(process.stdout, s)`, 'timeout'],
          ['a BroadcastChannel', `const s = 'x'.repeat(1e7), b = new BroadcastChannel('flood'); for (;;) b.postMessage(s)`, 'timeout'],
        ];

  it.each(floods)('%s: ended in time, host RSS bounded', async (_channel, code, ended) => {
    const child = await runMeasured(isolation, code, FLOOD_TIMEOUT);
    expectFloodContained(child, ended);
  });
});

/**
 * The deepest path through `value` (containers counted) and every string in it,
 * walked without recursion: the vitest host cannot JSON.stringify thousands of levels either.
 */
function walk(value: unknown): { depth: number; strings: string[] } {
  const strings: string[] = [];
  let depth = 0;
  const seen = new Set<object>();
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, level] = stack.pop() as [unknown, number];
    if (typeof item === 'string') strings.push(item);
    if (typeof item !== 'object' || item === null || seen.has(item)) continue;
    seen.add(item);
    depth = Math.max(depth, level + 1);
    const children =
      item instanceof Map ? [...item.keys(), ...item.values()] : item instanceof Set ? [...item] : Object.values(item as Record<string, unknown>);
    for (const child of children) stack.push([child, level + 1]);
  }
  return { depth, strings };
}

const CUT = '[nested deeper than 500 levels: ';

/** The value kept its first 500 levels, and the marker stands where it was cut. */
function expectCutAt500(value: unknown): void {
  const { depth, strings } = walk(value);
  // Not the flattest form: the text alone, with every level lost.
  expect(strings.filter((s) => s.startsWith('[not transferable'))).toEqual([]);
  expect(strings.filter((s) => s.startsWith(CUT))).toHaveLength(1);
  expect(depth).toBeGreaterThanOrEqual(500);
  expect(depth).toBeLessThanOrEqual(502);
  const json = JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
  expect(json).toContain('[nested deeper than 500 levels');
}

/** [title, code, how it ends, whether the 'process' child's own serializer overflows first (from ~4 000 levels)] */
const DEEP: ReadonlyArray<readonly [string, string, 'ok' | 'exception', boolean]> = [
  ['a linked list 3 000 nodes deep', 'let l = null; for (let i = 0; i < 3000; i++) l = { next: l }; l', 'ok', false],
  ['5 000 nested arrays', 'let a = []; for (let i = 0; i < 5000; i++) a = [a]; a', 'ok', true],
  ['5 000 nested Maps', 'let m = new Map(); for (let i = 0; i < 5000; i++) m = new Map([["k", m]]); m', 'ok', true],
  ['a linked list 3 000 nodes deep, thrown', 'let l = null; for (let i = 0; i < 3000; i++) l = { next: l }; throw l', 'exception', false],
];

describe.each(LEVELS)('%s: values the host cannot read back are sent again, flatter', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();
  const runs = new Map<string, Promise<{ result: RunResult; ms: number }>>();

  /** Runs `code` with a 10 s timeout, once: the tests of one code share its run. */
  const timed = (code: string): Promise<{ result: RunResult; ms: number }> => {
    let run = runs.get(code);
    if (run === undefined) {
      const started = Date.now();
      run = sandbox.run(code, { timeout: 10_000 }).then((result) => ({ result, ms: Date.now() - started }));
      runs.set(code, run);
    }
    return run;
  };

  for (const [title, code, ends, overflowsInTheChild] of DEEP) {
    it(`${title}: ${ends === 'ok' ? 'ok' : 'the exception'}, in under 3 s`, async () => {
      const { result, ms } = await timed(code);
      if (ends === 'ok') expectOk(result);
      else expectError(result, 'exception');
      expect(ms).toBeLessThan(3_000);
      await expectHealthy(sandbox);
    });

    // A 'process' child serializes on a main thread's stack (~1 MB), the same
    // the host reads with: past ~4 000 levels it fails there first, and the
    // isolate copies the value with the same 500-level cap the host asks for.
    it(`${title}: the value cut at 500 levels, marked${overflowsInTheChild === true ? ' (also when the isolate itself cannot serialize it)' : ''}`, async () => {
      const { result } = await timed(code);
      expectCutAt500(result.ok ? result.result : (result.error as { value?: unknown }).value);
    });
  }

  it('an Error whose cause is itself, thrown: the exception, its value an Error, in under 3 s', async () => {
    const { result, ms } = await timed("const e = new Error('x'); e.cause = e; throw e");
    const thrown = expectError(result, 'exception');
    expect(ms).toBeLessThan(3_000);
    expect([thrown.error.name, thrown.error.message]).toEqual(['Error', 'x']);
    expect(thrown.error.value).toBeInstanceOf(Error);
    expect((thrown.error.value as Error).message).toBe('x');
    await expectHealthy(sandbox);
  });

  it('an AggregateError that contains itself (errors and cause), thrown: the exception, its value an Error, in under 3 s', async () => {
    const { result, ms } = await timed("const e = new AggregateError([], 'agg'); e.errors.push(e); e.cause = e; throw e");
    const thrown = expectError(result, 'exception');
    expect(ms).toBeLessThan(3_000);
    expect([thrown.error.name, thrown.error.message]).toEqual(['AggregateError', 'agg']);
    // Structured clone knows no AggregateError: the value is an Error, its stack still says what it was.
    expect(thrown.error.value).toBeInstanceOf(Error);
    expect((thrown.error.value as Error).message).toBe('agg');
    expect((thrown.error.value as Error).stack).toMatch(/^AggregateError: agg\n {4}at <sandbox>:1:/);
    await expectHealthy(sandbox);
  });
});

/** Writes to the isolate's own stdio, which in a child process must go nowhere near the host's. */
const STDIO_FORGERIES: ReadonlyArray<readonly [string, string]> = [
  ['fs.writeSync(1)', `require('fs').writeSync(1, 'FORGED\\n'); 'done'`],
  ['fs.writeSync(2)', `require('fs').writeSync(2, 'FORGED\\n'); 'done'`],
  ["execSync('echo FORGED') with stdio 'inherit'", `require('child_process').execSync('echo FORGED; echo FORGED >&2', { stdio: 'inherit' }); 'done'`],
];

/** The parent's stdout, opened by path through /proc. */
const THROUGH_PROC = `try { require('fs').writeFileSync('/proc/' + process.ppid + '/fd/1', 'FORGED\\n'); 'written' } catch (e) { e.code }`;

describe("process: the code's writes to stdio never reach the host's stdout", () => {
  it.each(STDIO_FORGERIES)('%s: nothing on the host stdout or stderr', async (_how, code) => {
    const child = await runInChildHost('process', code, { timeout: 5_000 });
    expectHostSurvived(child);
    expect(child.first).toEqual({ ok: true, result: 'done', inspected: "'done'" });
    expect(child.stdout).not.toContain('FORGED');
    expect(child.stderr).not.toContain('FORGED');
  });

  // Documented ("the code runs with the same privileges as your process"):
  // the child may open the host's own fds by path, through /proc. That works
  // when the host's stdout is a pipe or a file (not for the socket pair a Node
  // parent gives it); `permissions` closes the way.
  let throughProc: Promise<ChildHostOutcome> | undefined;
  const runThroughProc = (): Promise<ChildHostOutcome> => (throughProc ??= runMeasured('process', THROUGH_PROC, 5_000, {}, true));

  it.runIf(ON_LINUX)('/proc/<host pid>/fd/1, the host stdout a pipe: the run is ok, the host survives', async () => {
    const child = await runThroughProc();
    expectHostSurvived(child);
    expect(child.first).toMatchObject({ ok: true });
  });

  it.runIf(ON_LINUX).fails('/proc/<host pid>/fd/1, the host stdout a pipe: nothing on the host stdout (known: it arrives)', async ({ skip }) => {
    const child = await runThroughProc();
    // Where /proc refuses it (another uid, hidepid), there is nothing to show.
    if (child.first?.result !== 'written') skip();
    expect(child.stdout).not.toContain('FORGED');
  });

  it.runIf(ON_LINUX)('/proc/<host pid>/fd/1, the host stdout a pipe, under permissions: refused', async () => {
    const child = await runMeasured('process', THROUGH_PROC, 5_000, { permissions: {} }, true);
    expectHostSurvived(child);
    expect(child.first).toEqual({ ok: true, result: 'ERR_ACCESS_DENIED', inspected: "'ERR_ACCESS_DENIED'" });
    expect(child.stdout).not.toContain('FORGED');
  });
});

describe.runIf(CONFINED_AVAILABLE)("confined: the code's writes to stdio never reach the host's stdout", () => {
  it.each(STDIO_FORGERIES)('%s: nothing on the host stdout or stderr', async (_how, code) => {
    const child = await runInChildHost('confined', code, { timeout: 5_000 });
    expectHostSurvived(child);
    expect(child.first).toEqual({ ok: true, result: 'done', inspected: "'done'" });
    expect(child.stdout).not.toContain('FORGED');
    expect(child.stderr).not.toContain('FORGED');
  });

  // Unlike 'process' (the known case above): the code's parent is
  // bubblewrap's pid 1 of its own PID namespace, whose fd 1 is the /dev/null
  // the host gave the isolate, and no process of the host is in its /proc.
  it("/proc/<parent pid>/fd/1, the host stdout a pipe: written, but to bubblewrap's /dev/null, not the host stdout", async () => {
    const code = `const fs = require('fs');
      let written; try { fs.writeFileSync('/proc/' + process.ppid + '/fd/1', 'FORGED\\n'); written = 'written' } catch (e) { written = e.code }
      [written, process.ppid, fs.readdirSync('/proc').filter((e) => /^\\d+$/.test(e)).join(' ')]`;
    const child = await runMeasured('confined', code, 5_000, {}, true);
    expectHostSurvived(child);
    expect(child.first).toMatchObject({ ok: true, result: ['written', 1, '1 2'] });
    expect(child.stdout).not.toContain('FORGED');
  });
});
