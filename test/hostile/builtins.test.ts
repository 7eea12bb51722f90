import { describe, expect, it } from 'vitest';
import { expectError, expectOk, inChildProcess, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes } from './helpers.js';

/**
 * Every way the code can name the `inspector` module, now that built-in
 * modules are also globals as in the REPL: in a thread ('worker', 'context')
 * its `Session.connectToMainThread` would evaluate code in the host's thread,
 * so each way in is refused there. (Only loading is tried: were one to slip
 * through, the assertion fails, nothing is connected.)
 */
const WAYS_IN: ReadonlyArray<readonly [string, string]> = [
  ['the REPL-style global', 'inspector'],
  ['the global read through its getter', "Object.getOwnPropertyDescriptor(globalThis, 'inspector').get.call(globalThis)"],
  ['require("node:inspector/promises")', "require('node:inspector/promises')"],
  ['module.require', "module.require('inspector')"],
  ['import()', "await import('node:inspector')"],
];

describe.each(LEVELS)('%s: the inspector module, every way in', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it.each(WAYS_IN)('%s', async (_way, code) => {
    const result = await sandbox.run(`typeof (${code}).Session`);
    if (inChildProcess(isolation)) {
      // A process isolate's inspector reaches only itself (documented): loading it is fine.
      expect(expectOk(result).result).toBe('function');
    } else {
      expect(expectError(result, 'exception').error.message).toMatch(/The '[\w:/]*inspector[\w/]*' module is not available in this sandbox/);
    }
    await expectHealthy(sandbox);
  });

  it('a built-in global is replaced by a declaration, and reads the module otherwise', async () => {
    expect(expectOk(await sandbox.run('typeof url.format')).result).toBe('function');
    expect(expectOk(await sandbox.run('const path = 5; path')).result).toBe(5);
    expect(expectOk(await sandbox.run('fs = 3; [fs, Object.keys(globalThis).includes("fs")]')).result).toEqual([3, true]);
  });
});
