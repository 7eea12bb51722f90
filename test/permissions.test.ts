import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectError, expectOk, useSandbox } from './helpers.js';

// Node's permission model, opt-in for isolation: 'process'.
describe("isolation: 'process' with a permission profile", () => {
  const writable = mkdtempSync(path.join(tmpdir(), 'repl-sandbox-perm-'));
  afterAll(() => rmSync(writable, { recursive: true, force: true }));
  const sandbox = useSandbox({ isolation: 'process', warm: 1, permissions: { allowWrite: [writable] } });

  it('still runs ordinary code, reads files and requires packages', async () => {
    const result = expectOk(await sandbox.run('[require("node:fs").readFileSync("/etc/hostname", "utf8").length > 0, typeof require("acorn").parse, 6 * 7]'));
    expect(result.result).toEqual([true, 'function', 42]);
  });

  it('forbids spawning processes', async () => {
    const result = expectError(await sandbox.run('require("node:child_process").execSync("true")'), 'exception');
    expect(result.error.message).toMatch(/ERR_ACCESS_DENIED|Access to this API has been restricted/);
  });

  it('forbids starting workers', async () => {
    const result = expectError(await sandbox.run('new (require("node:worker_threads").Worker)("1", { eval: true })'), 'exception');
    expect(result.error.message).toMatch(/ERR_ACCESS_DENIED|Access to this API has been restricted/);
  });

  it('writes only where allowWrite says', async () => {
    const denied = path.join(tmpdir(), `repl-sandbox-denied-${process.pid}.txt`);
    const blocked = expectError(await sandbox.run(`require("node:fs").writeFileSync(${JSON.stringify(denied)}, "x")`), 'exception');
    expect(blocked.error.message).toMatch(/ERR_ACCESS_DENIED|Access to this API has been restricted/);
    expect(existsSync(denied)).toBe(false);
    const allowed = path.join(writable, 'ok.txt');
    expectOk(await sandbox.run(`require("node:fs").writeFileSync(${JSON.stringify(allowed)}, "x"); 1`));
    expect(existsSync(allowed)).toBe(true);
  });
});
