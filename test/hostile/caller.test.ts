/**
 * The caller's own slips reject (or are ignored); none of them may leave an
 * unhandled rejection or an uncaught exception in the host.
 */
import { describe, expect, it } from 'vitest';
import { createSandbox } from 'repl-sandbox';
import { expectError, expectOk, LEVELS } from '../helpers.js';
import { hostileSandboxes, runHostScript } from './helpers.js';

/** Runs `body` in a child host that dies on any unhandled rejection or uncaught exception, then prints DONE. */
async function expectHostClean(body: string): Promise<string> {
  const child = await runHostScript(`
    process.on('unhandledRejection', (e) => { console.log('UNHANDLED ' + e); process.exit(3); });
    process.on('uncaughtException', (e) => { console.log('UNCAUGHT ' + e); process.exit(4); });
    ${body}
    await new Promise((r) => setTimeout(r, 200));
    console.log('DONE');
    process.exit(0);
  `);
  expect({ status: child.status, stdout: child.stdout.replace(/^(?!DONE|UNHANDLED|UNCAUGHT).*\n/gm, '') }).toEqual({ status: 0, stdout: 'DONE\n' });
  return child.stdout;
}

describe.each(LEVELS)('%s: caller slips', (isolation) => {
  it('warmup() left unawaited, then close(): no unhandled rejection', async () => {
    await expectHostClean(`
      const sandbox = createSandbox({ isolation: '${isolation}', warm: 2 });
      sandbox.warmup();
      await sandbox.close();
      const other = createSandbox({ isolation: '${isolation}', warm: 1 });
      const warming = other.warmup();
      other.run('1').catch(() => {});
      await other.close();
      await warming;
    `);
  });

  it('an async onOutput that rejects, and one that throws: logged, never unhandled; output intact', async () => {
    const stdout = await expectHostClean(`
      const sandbox = createSandbox({ isolation: '${isolation}', warm: 0 });
      const a = await sandbox.run('console.log("one"); console.log("two"); 1', { onOutput: async () => { throw new Error('listener') } });
      const b = await sandbox.run('console.log("three"); 2', { onOutput: () => { throw new Error('sync listener') } });
      console.log('RESULT ' + JSON.stringify([a.ok, a.output, b.ok, b.output]));
      await sandbox.close();
    `);
    expect(stdout).toContain('RESULT [true,"one\\ntwo\\n",true,"three\\n"]');
  });
});

describe('signal must be a real AbortSignal', () => {
  const sandbox = hostileSandboxes('worker')({ warm: 0 });

  it.each([
    ['a look-alike object', { aborted: false, addEventListener() {}, removeEventListener() {} }],
    ['an EventTarget', new EventTarget()],
    ['an AbortController', new AbortController()],
  ])('%s: rejects with a TypeError naming `signal`', async (_what, signal) => {
    await expect(sandbox.run('1', { signal: signal as unknown as AbortSignal })).rejects.toThrow(/signal/);
    await expect(sandbox.run('1', { signal: signal as unknown as AbortSignal })).rejects.toBeInstanceOf(TypeError);
  });

  it('a real signal of any kind passes: AbortSignal.timeout, AbortSignal.any', async () => {
    expect(expectOk(await sandbox.run('1', { signal: AbortSignal.timeout(10_000) })).result).toBe(1);
    expect(expectOk(await sandbox.run('2', { signal: AbortSignal.any([new AbortController().signal]) })).result).toBe(2);
  });
});

describe('stats.completed counts every resolved run', () => {
  it('including queued runs that close() or their signal aborted, and runs resolved before starting', async () => {
    const sandbox = createSandbox({ isolation: 'worker', warm: 0, concurrency: 1 });
    const running = sandbox.run('while (true) {}', { timeout: 10_000 });
    const controller = new AbortController();
    const dropped = sandbox.run('1', { signal: controller.signal });
    const queued = [sandbox.run('2'), sandbox.run('3')];
    controller.abort();
    expectError(await dropped, 'aborted');
    expectError(await sandbox.run('1', { signal: AbortSignal.abort() }), 'aborted');
    expectError(await sandbox.run('```js\n1\n```\n```js\n2\n```'), 'exception');
    await sandbox.close();
    for (const result of [await running, ...(await Promise.all(queued))]) expectError(result, 'aborted');
    expect(sandbox.stats).toMatchObject({ running: 0, queued: 0, completed: 6 });
  });
});

describe.each(LEVELS)('%s: process.stdout.write encodings, and the note after a cut inside a character', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('a string is written in its encoding; a Buffer as it is, whatever the encoding says', async () => {
    const code = `process.stdout.write('6869', 'hex'); process.stdout.write('aGk=', 'base64'); process.stdout.write(Buffer.from('ok'), 'hex');
      process.stdout.write('é', 'latin1'); process.stderr.write('21', 'hex', () => {}); 1`;
    expect(expectOk(await sandbox.run(code)).output).toBe('hihiok\ufffd!');
  });

  it('the note says how many bytes are shown when the cap falls inside a character', async () => {
    // '€' is 3 bytes: a cap of 5 keeps one euro sign, 3 bytes.
    const result = expectOk(await sandbox.run('process.stdout.write("€€"); 1', { maxOutput: 5 }));
    expect(result.output).toBe('€\n...(truncated, showing first 3B of 6B)');
  });
});
