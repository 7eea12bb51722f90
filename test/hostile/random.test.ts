import { describe, expect, it } from 'vitest';
import type { RunResult } from 'repl-sandbox';
import { inChildProcess, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes, seededRandom } from './helpers.js';

/** 40 strings of 1–200 random bytes, decoded as UTF-8 (even) or Latin-1 (odd): the same on every run. */
function randomSources(seed: number, count = 40): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const bytes = Buffer.alloc(1 + Math.floor(random() * 200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    return bytes.toString(i % 2 === 0 ? 'utf8' : 'latin1');
  });
}

describe.each(LEVELS)('%s: random bytes as code', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('random byte strings each resolve to a RunResult, never a rejection', async () => {
    // A child process per string at the process levels: 16 of them there (index 13 included), 40 in a thread.
    const sources = randomSources(0x5eed).slice(0, inChildProcess(isolation) ? 16 : 40);
    const outcomes: string[] = [];
    for (const code of sources) {
      let result: RunResult;
      try {
        // Nothing here loops: the generous timeout only keeps a loaded machine from turning a SyntaxError into a timeout.
        result = await sandbox.run(code, { timeout: 5_000 });
      } catch (error) {
        throw new Error(`run() rejected for ${JSON.stringify(code)}: ${String(error)}`);
      }
      expect(typeof result.durationMs).toBe('number');
      if (result.ok) outcomes.push('ok');
      else if (result.error.type === 'exception') outcomes.push(`exception ${result.error.name}`);
      else outcomes.push(result.error.type);
    }
    // Observed with this seed: syntax errors, except one that parses as an identifier ("âcÀî").
    const expected = sources.map((_, i) => (i === 13 ? 'exception ReferenceError' : 'exception SyntaxError'));
    expect(outcomes).toEqual(expected);
    await expectHealthy(sandbox);
  });
});
