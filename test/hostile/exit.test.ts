import { describe, expect, it } from 'vitest';
import { expectError, expectOk, inChildProcess, LEVELS } from '../helpers.js';
import { expectHealthy, hostileSandboxes, runInChildHost } from './helpers.js';

describe.each(LEVELS)('%s: the code ends its own isolate', (isolation) => {
  const sandbox = hostileSandboxes(isolation)();

  it('process.exit(0) is a normal end: ok, the output kept, no value (also from a timer, and in setup)', async () => {
    const result = expectOk(await sandbox.run('console.log("bye"); process.exit(0); console.log("never")'));
    expect(result).toMatchObject({ ok: true, output: 'bye\n', result: undefined, inspected: 'undefined' });
    const later = expectOk(await sandbox.run('console.log("waiting"); setTimeout(() => { console.log("done"); process.exit() }, 20); 42'));
    // The completion value arrived first: the run ended with it, before the timer.
    expect(later).toMatchObject({ output: 'waiting\n', result: 42 });
    const viaTimer = expectOk(await sandbox.run('await new Promise((resolve) => setTimeout(() => { console.log("done"); process.exit(0) }, 20))'));
    expect(viaTimer).toMatchObject({ output: 'done\n', result: undefined });
    const inSetup = expectOk(await sandbox.run('console.log("not reached")', { setup: 'process.exit(0)' }));
    expect(inSetup).toMatchObject({ output: '', result: undefined });
    await expectHealthy(sandbox);
  });

  it('process.exitCode = 0 then a throw is still the exception', async () => {
    const result = expectError(await sandbox.run('process.exitCode = 0; throw new Error("boom")'), 'exception');
    expect(result.error.message).toBe('boom');
  });

  it('process.exit(7) is crashed / exit 7', async () => {
    const result = expectError(await sandbox.run('process.exit(7)'), 'crashed');
    expect(result.error).toEqual({ type: 'crashed', reason: 'exit', exitCode: 7, message: 'The isolate exited with code 7' });
    await expectHealthy(sandbox);
  });

  it('process.abort()', async () => {
    const result = await sandbox.run('process.abort()');
    if (inChildProcess(isolation)) {
      // 'confined': bubblewrap exits with 128 + the signal that killed the code's process; the host reads it back as the signal.
      expect(expectError(result, 'crashed').error).toEqual({
        type: 'crashed',
        reason: 'exit',
        exitCode: 134,
        message: 'The isolate was killed by SIGABRT',
      });
    } else {
      // Node refuses abort() in a worker: an exception the code could catch.
      expect(expectError(result, 'exception').error).toMatchObject({
        name: 'TypeError',
        message: 'process.abort() is not supported in workers',
        phase: 'eval',
      });
    }
    await expectHealthy(sandbox);
  });

  it('process.kill(process.pid) ends the isolate (128 + SIGTERM), the host survives', async () => {
    const result = expectError(await sandbox.run('console.log("last words"); process.kill(process.pid)'), 'crashed');
    expect(result.output).toBe('last words\n');
    expect(result.error).toMatchObject({ type: 'crashed', reason: 'exit', exitCode: 143 });
    // 'worker' and 'context': the guard exits with 128 + 15. 'confined': bubblewrap's exit code 128 + 15, read back as the signal.
    expect(result.error.message).toBe(inChildProcess(isolation) ? 'The isolate was killed by SIGTERM' : 'The isolate exited with code 143');
    await expectHealthy(sandbox);
  });

  it('process.kill(process.pid, "SIGKILL") ends the isolate (128 + SIGKILL), the host survives', async () => {
    const result = expectError(await sandbox.run('process.kill(process.pid, "SIGKILL")'), 'crashed');
    expect(result.error).toMatchObject({ type: 'crashed', reason: 'exit', exitCode: 137 });
    await expectHealthy(sandbox);
  });

  if (isolation === 'confined') {
    it('process.kill(0) ends only the isolate; process.kill(-process.pid) finds no such group (ESRCH)', async () => {
      // Inside its PID namespace the code is pid 2, in the process group of
      // bubblewrap (pid 1): group 0 is that one, and no group 2 exists.
      const group = expectError(await sandbox.run('process.kill(0, "SIGTERM")'), 'crashed');
      expect(group.error).toMatchObject({ reason: 'exit', exitCode: 143 });
      const own = expectError(await sandbox.run('console.log(process.pid, process.ppid); process.kill(-process.pid, "SIGTERM")'), 'exception');
      expect(own.output).toBe('2 1\n');
      expect(own.error).toMatchObject({ name: 'Error', message: 'kill ESRCH', phase: 'eval' });
      await expectHealthy(sandbox);
    });
  } else {
    it('process.kill(0) and process.kill(-process.pid) (the process group) end only the isolate', async () => {
      for (const target of ['0', '-process.pid']) {
        const result = expectError(await sandbox.run(`process.kill(${target}, "SIGTERM")`), 'crashed');
        expect(result.error).toMatchObject({ reason: 'exit', exitCode: 143 });
      }
      await expectHealthy(sandbox);
    });
  }

  it('process.reallyExit(9) is crashed / exit 9', async () => {
    const result = expectError(await sandbox.run('process.reallyExit(9)'), 'crashed');
    expect(result.error).toMatchObject({ reason: 'exit', exitCode: 9 });
    await expectHealthy(sandbox);
  });

  if (!inChildProcess(isolation)) {
    // The guard replaces process.kill only. What bypasses it signals the host
    // process itself, so these run with the host in a child process.
    const killer = async (code: string) => {
      const child = await runInChildHost(isolation, code);
      return { status: child.status, signal: child.signal, first: child.first };
    };

    it('process._kill(process.pid, 15) (documented limitation: kills the host)', async () => {
      // process.kill's own internal binding, left unguarded.
      expect(await killer('process._kill(process.pid, 15); "alive"')).toEqual({ status: null, signal: 'SIGTERM', first: undefined });
    });

    it('a shell `kill -9 <pid>` (documented limitation: kills the host)', async () => {
      expect(await killer('require("child_process").execSync("kill -9 " + process.pid); "alive"')).toEqual({
        status: null,
        signal: 'SIGKILL',
        first: undefined,
      });
    });
  } else {
    it('process._kill and a shell kill end only the isolate', async () => {
      const first = expectError(await sandbox.run('process._kill(process.pid, 15)'), 'crashed');
      expect(first.error).toMatchObject({ reason: 'exit', exitCode: 143 });
      const second = expectError(await sandbox.run('require("child_process").execSync("kill -9 " + process.pid)'), 'crashed');
      expect(second.error).toMatchObject({ reason: 'exit', exitCode: 137 });
      await expectHealthy(sandbox);
    });
  }
});
