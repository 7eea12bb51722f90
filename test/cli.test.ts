import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function repl(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('repl-sandbox command line', () => {
  it('prints the output, then the inspected result, and exits 0', () => {
    expect(repl('console.log("hi"); 6 * 7')).toEqual({ status: 0, stdout: 'hi\n=> 42\n', stderr: '' });
  });

  it('exits 1 on an exception, with the user stack on stderr', () => {
    const { status, stdout, stderr } = repl('console.log("a"); throw new TypeError("bad")');
    expect(status).toBe(1);
    expect(stdout).toBe('a\n');
    expect(stderr).toMatch(/^TypeError: bad\n {4}at <sandbox>:1:25/);
  });

  it('exits 124 on a timeout', () => {
    const { status, stderr } = repl('--timeout', '200', 'while (true) {}');
    expect(status).toBe(124);
    expect(stderr).toMatch(/timeout: Timed out after 200 ms/);
  });

  it('exits 2 on a crash', () => {
    expect(repl('process.exit(9)').status).toBe(2);
  });

  it('honours --max-output', () => {
    expect(repl('--max-output', '3', 'process.stdout.write("abcdef"); 1').stdout).toBe('abc\n...(truncated, showing first 3B of 6B)\n=> 1\n');
  });

  it('exits 2 on bad usage, naming the problem', () => {
    const unknown = repl('--bogus', '1');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--bogus/);
    expect(unknown.stderr).toMatch(/Usage:/);
    const badTimeout = repl('--timeout', 'soon', '1');
    expect(badTimeout.status).toBe(2);
    expect(badTimeout.stderr).toMatch(/--timeout expects a non-negative number, got 'soon'/);
    expect(repl().status).toBe(2);
  });

  it('--help shows usage and exits 0', () => {
    const { status, stdout } = repl('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: repl-sandbox/);
  });
});
