import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import superjson from 'superjson';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFINED_AVAILABLE, LEVELS } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface Spawn {
  input?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Called with the child once its stdout printed this. */
  onStdout?: [string, (child: ReturnType<typeof spawn>) => void];
}

/** Runs the CLI to its end. Colors are off unless a test asks for them. */
function repl(args: readonly string[], options: Spawn = {}): Promise<Ran> {
  // Not on a terminal, so plain unless a test sets FORCE_COLOR.
  const { NO_COLOR: _no, FORCE_COLOR: _force, ...inherited } = process.env;
  const env = { ...inherited, ...options.env };
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (options.onStdout !== undefined && stdout.includes(options.onStdout[0])) options.onStdout[1](child);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe.concurrent('repl-sandbox: running code', () => {
  it('prints the output, then the inspected result, and exits 0', async () => {
    expect(await repl(['console.log("hi"); 6 * 7'])).toEqual({ status: 0, stdout: 'hi\n=> 42\n', stderr: '' });
  });

  it('ends output that lacks a newline before the result', async () => {
    expect((await repl(['process.stdout.write("abc"); 1'])).stdout).toBe('abc\n=> 1\n');
  });

  it('reads the code from a file; .ts implies TypeScript and stacks name the file', async () => {
    const path = file('script.ts', 'const n: number = 6;\nconsole.log(n * 7);\nthrow new Error("from the file");\n');
    const { status, stdout, stderr } = await repl(['-f', path]);
    expect(stdout).toBe('42\n');
    expect(stderr).toBe(`Exception: Error: from the file\n    at ${path}:3:7\n`);
    expect(status).toBe(1);
    expect((await repl(['--file', file('plain.js', '[1, 2].length')])).stdout).toBe('=> 2\n');
  });

  it('reads the code from standard input with -', async () => {
    expect(await repl(['-'], { input: 'const s = "st" + "din";\ns' })).toEqual({ status: 0, stdout: "=> 'stdin'\n", stderr: '' });
    expect((await repl(['--ts', '-'], { input: 'const n: number = 2; n ** 10' })).stdout).toBe('=> 1024\n');
  });

  it('reads piped standard input without -, when no code argument is given', async () => {
    expect(await repl([], { input: 'console.log("piped"); 6 * 7' })).toEqual({ status: 0, stdout: 'piped\n=> 42\n', stderr: '' });
    expect((await repl(['--ts'], { input: 'const n: number = 2; n ** 10' })).stdout).toBe('=> 1024\n');
    // Standard input names the code in stacks, as with -.
    expect((await repl(['-q'], { input: 'throw new Error("e")' })).stderr).toBe('Exception: Error: e\n    at <stdin>:1:7\n');
  });

  it('refuses a code argument that is a path to an existing file: did you mean -f?', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'script.js'), 'console.log("from the file")');
    writeFileSync(join(cwd, 'foo'), '');
    const paths = ['script.js', './script.js', join(cwd, 'script.js')];
    const refused = await Promise.all(paths.map((argument) => repl([argument], { cwd })));
    refused.forEach((ran, i) => {
      const argument = paths[i] ?? '';
      expect(ran.status, argument).toBe(2);
      expect(ran.stderr, argument).toContain(`'${argument}' is a file, but the argument is the code to run: did you mean -f ${argument}?`);
      expect(ran.stdout).toBe('');
    });
    // Code stays code: no path look (foo names a file here, too), in parentheses, or a path to nothing.
    const [foo, parenthesized, missing, flagged] = await Promise.all([
      repl(['foo'], { cwd }),
      repl(['(script.js)'], { cwd }),
      repl(['missing.js'], { cwd }),
      repl(['-f', 'script.js'], { cwd }),
    ]);
    expect(foo).toMatchObject({ status: 1, stderr: expect.stringMatching(/^Exception: ReferenceError: foo is not defined/) as unknown });
    expect(parenthesized).toMatchObject({ status: 1, stderr: expect.stringMatching(/^Exception: ReferenceError: script is not defined/) as unknown });
    expect(missing).toMatchObject({ status: 1, stderr: expect.stringMatching(/^Exception: ReferenceError: missing is not defined/) as unknown });
    expect(flagged).toEqual({ status: 0, stdout: 'from the file\n=> undefined\n', stderr: '' });
  });

  it('runs --setup and --setup-file first, in command-line order, without their output', async () => {
    const helpers = file('helpers.js', 'console.log("not shown"); function twice(s) { return s + s; }\n');
    const { stdout } = await repl(['--setup', 'globalThis.word = "ab"', '--setup-file', helpers, '-s', 'globalThis.word = twice(word)', 'word']);
    expect(stdout).toBe("=> 'abab'\n");
  });

  it('honours --max-output', async () => {
    expect((await repl(['--max-output', '3', 'process.stdout.write("abcdef"); 1'])).stdout).toBe(
      'abc\n...(truncated, showing first 3B of 6B)\n=> 1\n',
    );
  });

  it('runs at every --isolation level', async () => {
    for (const level of LEVELS) {
      expect(await repl(['--isolation', level, '[typeof process, 6 * 7]'])).toEqual({ status: 0, stdout: "=> [ 'object', 42 ]\n", stderr: '' });
    }
  });

  it('--quiet prints only the value', async () => {
    expect(await repl(['-q', 'console.log("noise"); ({ a: 1 })'])).toEqual({ status: 0, stdout: '{ a: 1 }\n', stderr: '' });
    const failed = await repl(['--quiet', 'console.log("noise"); throw new Error("still said")']);
    expect(failed).toMatchObject({ status: 1, stdout: '' });
    expect(failed.stderr).toMatch(/^Exception: Error: still said/);
  });

  it('--json prints the whole RunResult, the value in superjson form', async () => {
    const { status, stdout, stderr } = await repl(['--json', 'console.log("x"); new Map([[1n, new Date(0)]])']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    const parsed = JSON.parse(stdout) as { ok: boolean; output: string; inspected: string; durationMs: number; result: Parameters<typeof superjson.deserialize>[0] };
    expect(parsed).toMatchObject({ ok: true, output: 'x\n', inspected: 'Map(1) { 1n => 1970-01-01T00:00:00.000Z }', durationMs: expect.any(Number) as unknown });
    expect(superjson.deserialize(parsed.result)).toEqual(new Map([[1n, new Date(0)]]));
  });

  it('--json on a failure: the error, its value in superjson form, and the exit code', async () => {
    const { status, stdout } = await repl(['--json', 'throw new RangeError("r")']);
    expect(status).toBe(1);
    const parsed = JSON.parse(stdout) as { ok: boolean; error: { type: string; name: string; value: Parameters<typeof superjson.deserialize>[0] } };
    expect(parsed).toMatchObject({ ok: false, error: { type: 'exception', name: 'RangeError', message: 'r', phase: 'eval' } });
    expect(superjson.deserialize(parsed.error.value)).toMatchObject({ name: 'RangeError', message: 'r' });
    const timeout = await repl(['--json', '--timeout', '100', 'while (true) {}']);
    expect(timeout.status).toBe(124);
    expect(JSON.parse(timeout.stdout)).toMatchObject({ ok: false, error: { type: 'timeout', timeout: 100 } });
  });
});

describe.concurrent('repl-sandbox --json: always one JSON document', () => {
  type Serialized = Parameters<typeof superjson.deserialize>[0];

  it('runs in a process isolate, so code writing to fd 1 cannot get into the document; --isolation still wins', async () => {
    const code = `require('fs').writeSync(1, '{"forged":true}\\n'); require('node:worker_threads').isMainThread`;
    const { status, stdout, stderr } = await repl(['--json', code]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    // The whole of stdout is one document: a forged line before it would fail the parse.
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, inspected: 'true', result: { json: true } });
    const worker = await repl(['--json', '--isolation', 'worker', "require('node:worker_threads').isMainThread"]);
    expect(JSON.parse(worker.stdout)).toMatchObject({ ok: true, inspected: 'false' });
  });

  it('prints values with keys superjson refuses (__proto__, constructor, prototype): plain JSON as it is', async () => {
    const parsed = await repl(['--json', `JSON.parse('{"__proto__": 1, "a": [{"constructor": {"prototype": null}}]}')`]);
    expect(parsed.status).toBe(0);
    const { result } = JSON.parse(parsed.stdout) as { result: { json: Record<string, unknown> } };
    expect(Object.getOwnPropertyDescriptor(result.json, '__proto__')?.value).toBe(1);
    expect(result.json.a).toEqual([{ constructor: { prototype: null } }]);
    expect(result).toEqual({ json: result.json });
    const literal = await repl(['--json', '({ constructor: { prototype: 1 } })']);
    expect(literal.status).toBe(0);
    expect(JSON.parse(literal.stdout)).toMatchObject({ result: { json: { constructor: { prototype: 1 } } } });
  });

  it('prints a marker for a value superjson refuses that is not plain JSON, and exits as the run did', async () => {
    const map = await repl(['--json', 'new Map([["k", { constructor: new Date(0) }]])']);
    expect(map.status).toBe(0);
    expect(JSON.parse(map.stdout)).toMatchObject({
      ok: true,
      inspected: "Map(1) { 'k' => { constructor: 1970-01-01T00:00:00.000Z } }",
      result: { json: expect.stringMatching(/^\[not serializable by superjson: Detected property constructor\./) as unknown },
    });
    const thrown = await repl(['--json', 'throw { prototype: undefined }']);
    expect(thrown.status).toBe(1);
    expect(JSON.parse(thrown.stdout)).toMatchObject({ ok: false, error: { type: 'exception', value: { json: expect.stringMatching(/^\[not serializable by superjson/) as unknown } } });
  });

  it('prints a null-prototype object', async () => {
    const { status, stdout } = await repl(['--json', 'Object.assign(Object.create(null), { a: 1 })']);
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout) as { inspected: string; result: Serialized };
    expect(parsed.inspected).toBe('[Object: null prototype] { a: 1 }');
    expect(superjson.deserialize(parsed.result)).toEqual({ a: 1 });
  });
});

describe.concurrent('repl-sandbox: colors', () => {
  it('colors the value and the error with FORCE_COLOR', async () => {
    const { stdout } = await repl(['({ a: 1 })'], { env: { FORCE_COLOR: '1' } });
    expect(stdout).toBe('\u001b[90m=>\u001b[39m { a: \u001b[33m1\u001b[39m }\n');
    const { stderr } = await repl(['throw new Error("x")'], { env: { FORCE_COLOR: '1' } });
    expect(stderr).toBe('\u001b[31m\u001b[1mException: Error: x\u001b[22m\u001b[39m\n\u001b[2m    at <sandbox>:1:7\u001b[22m\n');
  });

  it('keeps the isolate\'s own text when the copied value would print differently', async () => {
    const { stdout } = await repl(['({ f() {} })'], { env: { FORCE_COLOR: '1' } });
    expect(stdout).toBe('\u001b[90m=>\u001b[39m { f: [Function: f] }\n');
  });

  it('honours NO_COLOR, even over FORCE_COLOR, and is plain when not on a terminal', async () => {
    expect((await repl(['({ a: 1 })'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).toBe('=> { a: 1 }\n');
    // Node 22+ itself warns on stderr that it ignores NO_COLOR when FORCE_COLOR is set; our lines stay plain.
    const { stderr } = await repl(['throw 1'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(stderr).toMatch(/(^|\n)Exception: Uncaught 1\n$/);
    expect(stderr).not.toContain('\u001b[');
    expect(await repl(['({ a: 1 })'])).toEqual({ status: 0, stdout: '=> { a: 1 }\n', stderr: '' });
  });
});

describe.concurrent('repl-sandbox: exit codes', () => {
  it('1 on an exception, with the user stack on stderr', async () => {
    expect(await repl(['console.log("a"); throw new TypeError("bad")'])).toEqual({
      status: 1,
      stdout: 'a\n',
      stderr: 'Exception: TypeError: bad\n    at <sandbox>:1:25\n',
    });
    const setup = await repl(['--setup', 'throw 42', '1']);
    expect(setup).toMatchObject({ status: 1, stderr: 'Exception in setup: Uncaught 42\n' });
  });

  it('124 on a timeout, keeping the output printed before it', async () => {
    expect(await repl(['--timeout', '200', 'console.log("before"); while (true) {}'])).toEqual({
      status: 124,
      stdout: 'before\n',
      stderr: 'Timeout: Timed out after 200 ms\n',
    });
  });

  it('125 when the isolate exits or runs out of memory', async () => {
    expect(await repl(['process.exit(9)'])).toMatchObject({ status: 125, stderr: 'Crashed (exit): The isolate exited with code 9\n' });
    const oom = await repl(['--memory-limit', '32', 'const a = []; for (;;) a.push({ n: Math.random() })']);
    expect(oom.status).toBe(125);
    expect(oom.stderr).toMatch(/^Crashed \(out-of-memory\)/);
  });

  it('125 when interrupted (SIGINT aborts the run)', async () => {
    const ran = await repl(['console.log("started"); await new Promise(() => {})'], {
      onStdout: ['started\n', (child) => child.kill('SIGINT')],
    });
    expect(ran).toEqual({ status: 125, stdout: 'started\n', stderr: 'Aborted: The run was aborted (interrupted (SIGINT))\n' });
  });

  it('2 on bad usage, naming the flag, with a short usage', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus', '1'], /Unknown option '--bogus'/],
      [['--timout', '100', '1'], /^repl-sandbox: Unknown option '--timout' \(did you mean --timeout\?\)\n/],
      [['--jsn', '1'], /Unknown option '--jsn' \(did you mean --json\?\)/],
      [['-1+2'], /Unknown option '-1'; code that starts with a dash goes after --: repl-sandbox -- '-1\+2'\n/],
      [['--timeout', '-1', '1'], /--timeout expects a non-negative number of milliseconds or Infinity, got '-1'/],
      [['-t', '-1', '1'], /--timeout expects a non-negative number of milliseconds or Infinity, got '-1'/],
      [['--timeout=-1', '1'], /--timeout expects a non-negative number of milliseconds or Infinity, got '-1'/],
      [['--max-output', '-5', '1'], /--max-output expects a non-negative integer or Infinity, got '-5'/],
      [['--memory-limit', '-Infinity', '1'], /--memory-limit expects a positive number of megabytes, got '-Infinity'/],
      [['--timeout', 'soon', '1'], /--timeout expects a non-negative number of milliseconds or Infinity, got 'soon'/],
      [['--timeout'], /--timeout/],
      [['--max-output', '1.5', '1'], /--max-output expects a non-negative integer or Infinity, got '1.5'/],
      [['--memory-limit', '0', '1'], /--memory-limit expects a positive number of megabytes, got '0'/],
      [['--isolation', 'vm', '1'], /--isolation expects 'context', 'worker', 'process' or 'confined', got 'vm'/],
      [['--network', '1'], /--network, --read and --write need --isolation confined/],
      [['--isolation', 'process', '--write', dir, '1'], /--network, --read and --write need --isolation confined, got --isolation process/],
      [['--isolation', 'confined', '--read', join(dir, 'missing'), '1'], /--read '.*missing': expected an existing file or directory/],
      [['--json', '--quiet', '1'], /--json and --quiet exclude each other/],
      [[], /no code given: .*\(standard input was empty\)/],
      [['1', '2'], /expected one code argument, got 2 \(quote the code\)/],
      [['-f', join(dir, 'missing.js')], /--file: cannot read '.*missing\.js' \(ENOENT\)/],
      [['--setup-file', join(dir, 'missing.js'), '1'], /--setup-file: cannot read/],
      [['-f', file('x.js', '1'), '2'], /give the code once/],
    ];
    const results = await Promise.all(cases.map(([args]) => repl(args)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] ?? [[], /never/];
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).toMatch(/Usage: repl-sandbox/);
      expect(result.stdout).toBe('');
    });
  });

  it.runIf(CONFINED_AVAILABLE)('--isolation confined with --write and --read: the paths given, nothing else of the host', async () => {
    const out = mkdtempSync(join(dir, 'out-'));
    const input = mkdtempSync(join(dir, 'in-'));
    writeFileSync(join(input, 'in.txt'), 'input');
    const code = `const fs = require('fs'); fs.writeFileSync(${JSON.stringify(join(out, 'out.txt'))}, fs.readFileSync(${JSON.stringify(join(input, 'in.txt'))}, 'utf8') + '!'); [fs.existsSync(${JSON.stringify(dir)} + '/x.js'), Object.keys(process.env).includes('HOSTNAME')]`;
    expect(await repl(['--isolation', 'confined', '--write', out, '--read', input, code])).toEqual({ status: 0, stdout: '=> [ false, false ]\n', stderr: '' });
    expect(readFileSync(join(out, 'out.txt'), 'utf8')).toBe('input!');
    // No network unless --network.
    const connect = "await fetch('http://127.0.0.1:8/').then(() => 'reached', (e) => e.cause?.code)";
    expect((await repl(['--isolation', 'confined', connect])).stdout).toBe("=> 'ECONNREFUSED'\n");
  });

  it('code that starts with a dash goes after --', async () => {
    expect((await repl(['--', '-1 + 3'])).stdout).toBe('=> 2\n');
  });
});

describe.concurrent('repl-sandbox: help and version', () => {
  it('--help shows usage, every flag, the exit codes and examples, and exits 0', async () => {
    const { status, stdout } = await repl(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: repl-sandbox/);
    for (const flag of ['--file', '--ts', '--timeout', '--max-output', '--setup', '--setup-file', '--isolation', '--network', '--read', '--write', '--memory-limit', '--json', '--quiet', '--version', 'repl-sandbox mcp']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}124 .*\n {2}125 /);
    expect(stdout).toMatch(/Examples:\n {2}repl-sandbox '/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await repl(['--version'])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});
