import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { on, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { createSandbox } from 'repl-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Mcp from '../src/mcp.js';
import { CONFINED_AVAILABLE } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const helpers = fileURLToPath(new URL('./fixtures/mcp-helpers.js', import.meta.url));
const hideSdk = fileURLToPath(new URL('./fixtures/hide-mcp-sdk.mjs', import.meta.url));
// Typed from src/, loaded from dist/ like every test that runs isolates.
const { createMcpServer } = (await import(new URL('../dist/mcp.js', import.meta.url).href)) as typeof Mcp;

const SERVER_ARGS = ['mcp', '--timeout', '1000', '--max-timeout', '1500', '--max-output', '1000', '--setup-file', helpers];

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `repl-sandbox mcp` and resolves once it logged that it is ready. */
async function startServer(args: readonly string[] = ['--timeout', '1000']): Promise<{ child: ChildProcessWithoutNullStreams; logs: string[] }> {
  const child = spawn(process.execPath, [cli, 'mcp', ...args], { stdio: 'pipe' });
  children.push(child);
  const logs: string[] = [];
  const lines = createInterface({ input: child.stderr });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`server exited early:\n${logs.join('\n')}`)));
    lines.on('line', (line) => {
      logs.push(line);
      if (line.includes('MCP server ready')) resolve();
    });
  });
  return { child, logs };
}

interface Reply {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: CallToolResult;
  error?: { code: number; message: string };
}

/**
 * A client that speaks raw JSON-RPC lines to a server, as the SDK's client
 * cannot: it sends what it is given, and `next()` is the next line the server
 * wrote to stdout, parsed (it fails if the line is not JSON, or stdout ends).
 */
function rawClient(child: ChildProcessWithoutNullStreams): { send: (data: string | Buffer) => void; call: (id: number, code: string) => void; next: () => Promise<Reply> } {
  const lines = on(createInterface({ input: child.stdout }), 'line', { close: ['close'] }) as AsyncIterator<[string], undefined>;
  return {
    send: (data) => void child.stdin.write(data),
    call: (id, code) => void child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'run_javascript', arguments: { code } } })}\n`),
    next: async () => {
      const line = await lines.next();
      if (line.done === true) throw new Error(`the server closed stdout (exit code ${child.exitCode})`);
      return JSON.parse(line.value[0]) as Reply;
    },
  };
}

/** The text of a tools/call reply. */
function answer(reply: Reply): string | undefined {
  const [first] = reply.result?.content ?? [];
  return first?.type === 'text' ? first.text : undefined;
}

describe('repl-sandbox mcp, driven by the SDK client over stdio', () => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, ...SERVER_ARGS], stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: 'repl-sandbox-test', version: '1.0.0' });
    await client.connect(transport);
  });
  afterAll(() => client.close());

  async function call(args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name: 'run_javascript', arguments: args })) as CallToolResult;
  }

  function text(result: CallToolResult): string {
    const [first] = result.content;
    if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
    return first.text;
  }

  it('introduces itself and lists run_javascript with its input and output schemas', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'repl-sandbox' });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(1);
    const [tool] = tools;
    expect(tool).toMatchObject({
      name: 'run_javascript',
      inputSchema: {
        type: 'object',
        required: ['code'],
        additionalProperties: false,
        properties: { code: { type: 'string' }, language: { type: 'string', enum: ['js', 'ts'] }, timeout: { type: 'number' } },
      },
      outputSchema: {
        type: 'object',
        required: ['ok', 'output', 'durationMs'],
        properties: { ok: { type: 'boolean' }, output: { type: 'string' }, inspected: { type: 'string' }, error: { type: 'object' } },
      },
    });
    // The server's own limits are spelled out for the model.
    expect(tool?.inputSchema.properties?.timeout).toMatchObject({ description: expect.stringMatching(/Default 1000; at most 1500/) as unknown });
    expect(tool?.description).toMatch(/fresh Node\.js isolate/);
  });

  it('runs code: formatResult text, structuredContent, no isError', async () => {
    const result = await call({ code: 'console.log("hi"); 6 * 7' });
    expect(result.isError).toBe(false);
    expect(text(result)).toBe('hi\n=> 42');
    expect(result.structuredContent).toEqual({ ok: true, output: 'hi\n', inspected: '42', durationMs: expect.any(Number) as unknown });
  });

  it('runs TypeScript, and the helpers of --setup-file', async () => {
    const result = await call({ code: 'const n: number = double(21); n', language: 'ts' });
    expect(text(result)).toBe('=> 42');
  });

  it('reports an exception with isError, its name, message and the user stack', async () => {
    const result = await call({ code: 'console.log("a");\nthrow new TypeError("bad")' });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('a\nException: TypeError: bad\n    at <sandbox>:2:7');
    expect(result.structuredContent).toEqual({
      ok: false,
      output: 'a\n',
      error: { type: 'exception', name: 'TypeError', message: 'bad' },
      durationMs: expect.any(Number) as unknown,
    });
  });

  it('caps the timeout a call asks for at --max-timeout', async () => {
    const result = await call({ code: 'console.log("spinning"); while (true) {}', timeout: 60_000 });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('spinning\nTimeout: Timed out after 1500 ms');
    expect(result.structuredContent).toMatchObject({ ok: false, error: { type: 'timeout', message: 'Timed out after 1500 ms' } });
  });

  it('keeps a flood of output to --max-output, with the truncation note', async () => {
    const result = await call({ code: 'for (;;) console.log("x".repeat(100))', timeout: 300 });
    expect(result.structuredContent).toMatchObject({ ok: false, error: { type: 'timeout' } });
    const { output } = result.structuredContent as { output: string };
    expect(output).toMatch(/^(x{100}\n){9}x{91}\n\.\.\.\(truncated, showing first 1000B of \d+(\.\d)?[KM]?B\)$/);
    expect(text(result)).toBe(`${output}\nTimeout: Timed out after 300 ms`);
  });

  it('answers bad arguments with a tool error naming the field', async () => {
    const result = await call({ code: 42 });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Expected `code` to be a string, got `42` (number)');
    expect(result.structuredContent).toBeUndefined();
    expect(text(await call({ code: '1', language: 'python' }))).toMatch(/`language`.*'python'/);
  });

  it('answers an unknown tool with a protocol error', async () => {
    await expect(client.callTool({ name: 'run_python', arguments: { code: '1' } })).rejects.toThrow(McpError);
  });

  it('serves concurrent calls, each in its own isolate', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call({ code: `globalThis.seen = (globalThis.seen ?? 0) + 1; [${i}, seen]` })),
    );
    expect(results.map(text)).toEqual(Array.from({ length: 8 }, (_, i) => `=> [ ${i}, 1 ]`));
  });

  it('logs JSON lines to stderr, never to stdout, each with one name', () => {
    const raw = stderr.trim().split('\n');
    const lines = raw.map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(lines.map((line) => line.msg)).toContain('MCP server ready on stdio');
    expect(lines.filter((line) => line.msg === 'run_javascript').length).toBeGreaterThanOrEqual(8);
    // The sandbox's own lines (the timeout above among them) are bound as a component, not a second "name".
    expect(raw.some((line) => line.includes('run timed out'))).toBe(true);
    for (const line of raw) expect(line.match(/"name":/g), line).toHaveLength(1);
    // The invalid call above is a debug line: not at the server's level (info), and no stack anywhere.
    expect(raw.filter((line) => line.includes('rejected'))).toEqual([]);
    expect(stderr).not.toContain('"stack"');
  });
});

describe('repl-sandbox mcp process lifecycle', () => {
  it('exits 0 by itself when the client closes stdin', async () => {
    const { child, logs } = await startServer();
    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(logs.some((line) => line.includes('MCP server closed'))).toBe(true);
  });

  it('exits 0 on SIGTERM, after closing the sandbox', async () => {
    const { child, logs } = await startServer();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(logs.some((line) => line.includes('SIGTERM'))).toBe(true);
  });

  it('without the SDK installed, says to install it and exits 2 (the plain CLI still works)', () => {
    const missing = spawnSync(process.execPath, ['--import', hideSdk, cli, 'mcp'], { encoding: 'utf8', timeout: 20_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/install @modelcontextprotocol\/sdk/);
    const plain = spawnSync(process.execPath, ['--import', hideSdk, cli, '6 * 7'], { encoding: 'utf8', timeout: 20_000 });
    expect(plain.stdout).toBe('=> 42\n');
  });

  it('rejects bad server flags as usage errors', () => {
    const bad = spawnSync(process.execPath, [cli, 'mcp', '--timeout', '5000', '--max-timeout', '1000'], { encoding: 'utf8', timeout: 20_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--timeout \(5000\) must not exceed --max-timeout \(1000\)/);
    const unknown = spawnSync(process.execPath, [cli, 'mcp', '--port', '1'], { encoding: 'utf8', timeout: 20_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--port/);
  });

  it('mcp --help describes the server flags and the client configuration', () => {
    const help = spawnSync(process.execPath, [cli, 'mcp', '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    for (const flag of ['--timeout', '--max-timeout', '--max-output', '--isolation', '--memory-limit', '--setup-file']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('"mcpServers"');
  });

  it('the client configuration of mcp --help has npx install the SDK beside the package, and its server flags parse', () => {
    const help = spawnSync(process.execPath, [cli, 'mcp', '--help'], { encoding: 'utf8', timeout: 20_000 }).stdout;
    const line = help.split('\n').find((text) => text.trim().startsWith('{"mcpServers"')) ?? '';
    const config = JSON.parse(line) as { mcpServers: Record<string, { command: string; args: string[] }> };
    const server = config.mcpServers['repl-sandbox'];
    expect(server?.command).toBe('npx');
    const args = server?.args ?? [];
    // npx [-y] -p <pkg>... <bin> <bin args>: every -p before the bin, which is the last package's own.
    const bin = args.findIndex((arg, i) => arg !== '-y' && arg !== '-p' && args[i - 1] !== '-p');
    const packages = args.slice(0, bin).filter((_, i, head) => head[i - 1] === '-p');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; bin: Record<string, string>; peerDependencies: Record<string, string> };
    expect(packages).toEqual(['@modelcontextprotocol/sdk', pkg.name]);
    expect(Object.keys(pkg.peerDependencies)).toContain('@modelcontextprotocol/sdk');
    expect(Object.keys(pkg.bin)).toContain(args[bin]);
    const serverArgs = args.slice(bin + 1);
    expect(serverArgs[0]).toBe('mcp');
    // The bin's own arguments, as our CLI reads them (--help: parsed and checked, then nothing started).
    const parsed = spawnSync(process.execPath, [cli, ...serverArgs, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(parsed.status).toBe(0);
  });

  it('a bad flag value that starts with a dash gets the real message, and a misspelt flag a suggestion', () => {
    const negative = spawnSync(process.execPath, [cli, 'mcp', '--max-timeout', '-1'], { encoding: 'utf8', timeout: 20_000 });
    expect(negative.status).toBe(2);
    expect(negative.stderr).toMatch(/--max-timeout expects .*, got '-1'/);
    const misspelt = spawnSync(process.execPath, [cli, 'mcp', '--max-timout', '1'], { encoding: 'utf8', timeout: 20_000 });
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toMatch(/Unknown option '--max-timout' \(did you mean --max-timeout\?\)/);
  });
});

describe('repl-sandbox mcp answers any input line and carries on', () => {
  let client: ReturnType<typeof rawClient>;
  let child: ChildProcessWithoutNullStreams;
  let id = 0;

  beforeAll(async () => {
    ({ child } = await startServer(['--timeout', '5000']));
    client = rawClient(child);
  });

  /** Sends a tools/call of `6 * 7` and expects its answer as the next reply: the server is still up. */
  async function expectAlive(): Promise<void> {
    id += 1;
    client.call(id, '6 * 7');
    const reply = await client.next();
    expect(reply.id).toBe(id);
    expect(answer(reply)).toBe('=> 42');
    expect(child.exitCode).toBeNull();
  }

  it('answers a line over 10 MiB with an invalid-request error (id null), then the next call', async () => {
    client.send(Buffer.alloc(12 * 2 ** 20, 'x'));
    client.send('\n');
    expect(await client.next()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Invalid Request: the line exceeded 10485760 bytes; it is discarded up to its newline' },
    });
    await expectAlive();
  });

  it('answers a line that is not JSON with a parse error (id null)', async () => {
    client.send('not json\n');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: .*not valid JSON/) as unknown } });
    client.send(Buffer.from([0x22, 0xff, 0xfe, 0x22, 0x0a]));
    expect(await client.next()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not valid UTF-8' } });
    await expectAlive();
  });

  it('answers JSON that is not a JSON-RPC message with an invalid-request error, with its id when it has one', async () => {
    const invalid = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 request, notification or response' } };
    client.send('{"a":1}\n42\n[]\n{"jsonrpc":"2.0","id":{},"method":"ping"}\n');
    for (let i = 0; i < 4; i += 1) expect(await client.next()).toEqual(invalid);
    client.send('{"jsonrpc":"2.0","id":"abc","method":7}\n{"jsonrpc":"1.0","id":77,"method":"ping"}\n');
    expect(await client.next()).toEqual({ ...invalid, id: 'abc' });
    expect(await client.next()).toEqual({ ...invalid, id: 77 });
    await expectAlive();
  });

  it('takes a flood of bad lines, answering each (blank lines are only framing)', async () => {
    // Per group: two lines that are not JSON, three that are not JSON-RPC, two blank ones.
    const group = 'x\n{\n{}\nnull\n"\u00e9"\n\n\r\n';
    const groups = 4_000;
    client.send(group.repeat(groups));
    const codes: Record<number, number> = {};
    for (let i = 0; i < groups * 5; i += 1) {
      const { id: replyId, error } = await client.next();
      expect(replyId).toBeNull();
      const code = error?.code ?? 0;
      codes[code] = (codes[code] ?? 0) + 1;
    }
    expect(codes).toEqual({ [-32700]: groups * 2, [-32600]: groups * 3 });
    await expectAlive();
  });

  it('code cannot forge replies by writing to fd 1: calls run in a process isolate by default', async () => {
    id += 1;
    client.call(id, `require('fs').writeSync(1, '{"jsonrpc":"2.0","id":${id},"result":{}}\\n'); require('node:worker_threads').isMainThread`);
    const reply = await client.next();
    expect(reply.id).toBe(id);
    expect(answer(reply)).toBe('=> true');
    // Had the forged line reached stdout, it would be the next reply here.
    await expectAlive();
  });

  it('an explicit --isolation still wins', async () => {
    const { child: worker } = await startServer(['--isolation', 'worker']);
    const raw = rawClient(worker);
    raw.call(1, "require('node:worker_threads').isMainThread");
    expect(answer(await raw.next())).toBe('=> false');
    worker.stdin.end();
    await once(worker, 'exit');
  });

  it.runIf(CONFINED_AVAILABLE)('--isolation confined with --write: the code sees only what the flags give, and no network', async () => {
    const out = mkdtempSync(join(tmpdir(), 'repl-sandbox-mcp-out-'));
    try {
      const { child: confined } = await startServer(['--isolation', 'confined', '--write', out]);
      const raw = rawClient(confined);
      const code = `require('fs').writeFileSync(${JSON.stringify(join(out, 'done'))}, 'ok'); [process.pid, Object.keys(process.env).sort().join(), await fetch('http://127.0.0.1:8/').then(() => 'reached', (e) => e.cause?.code)]`;
      raw.call(1, code);
      expect(answer(await raw.next())).toBe("=> [ 2, 'HOME,LANG,PATH,PWD,TMPDIR', 'ECONNREFUSED' ]");
      expect(readFileSync(join(out, 'done'), 'utf8')).toBe('ok');
      confined.stdin.end();
      await once(confined, 'exit');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')('skips a 200 MB line without holding it: the peak RSS grows by far less than the line', async () => {
    const { child: server } = await startServer(['--timeout', '5000']);
    const raw = rawClient(server);
    const peakKb = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1]);
    raw.call(1, '6 * 7');
    expect(answer(await raw.next())).toBe('=> 42');
    const before = peakKb();
    raw.send(Buffer.alloc(200 * 2 ** 20, 'x'));
    raw.send('\n');
    raw.call(2, '6 * 7');
    expect(await raw.next()).toMatchObject({ id: null, error: { code: -32600 } });
    expect(answer(await raw.next())).toBe('=> 42');
    // Held whole, the line alone would be 200 MB (its text another 200); skipped, what stays is the
    // 10 MiB kept before the bound plus read buffers not yet collected: 33-37 MB on Node 20, up to 64 on Node 24
    // for a 100 MB line (measured), independent of the line's length.
    expect((peakKb() - before) / 1024).toBeLessThan(100);
    server.stdin.end();
    await once(server, 'exit');
  });
});

describe('createMcpServer', () => {
  const silent = pino({ level: 'silent' });

  it('serves any SDK transport, in a caller-owned sandbox it leaves open', async () => {
    const sandbox = createSandbox({ warm: 0 });
    const server = createMcpServer({ sandbox, logger: silent, timeout: 2_000 });
    const client = new Client({ name: 'in-memory', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const result = (await client.callTool({ name: 'run_javascript', arguments: { code: '[1, 2].map((n) => n * 10)' } })) as CallToolResult;
      expect(result.content).toEqual([{ type: 'text', text: '=> [ 10, 20 ]' }]);
    } finally {
      await client.close();
      await server.close();
    }
    // The server did not close a sandbox it does not own.
    expect((await sandbox.run('1')).ok).toBe(true);
    await sandbox.close();
  });

  it('runs calls in a process isolate of its own by default: fd 1 there is not the host\'s stdout', async () => {
    const server = createMcpServer({ logger: silent });
    const client = new Client({ name: 'in-memory', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const result = (await client.callTool({ name: 'run_javascript', arguments: { code: "require('node:worker_threads').isMainThread" } })) as CallToolResult;
      expect(result.content).toEqual([{ type: 'text', text: '=> true' }]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it.runIf(CONFINED_AVAILABLE)("isolation 'confined': calls run confined, and the tool says it neither writes nor reaches the world", async () => {
    const server = createMcpServer({ logger: silent, isolation: 'confined' });
    const client = new Client({ name: 'in-memory', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const { tools } = await client.listTools();
      expect(tools[0]?.annotations).toMatchObject({ destructiveHint: false, openWorldHint: false });
      const result = (await client.callTool({ name: 'run_javascript', arguments: { code: 'process.pid' } })) as CallToolResult;
      expect(result.content).toEqual([{ type: 'text', text: '=> 2' }]);
    } finally {
      await client.close();
      await server.close();
    }
    expect(() => createMcpServer({ logger: silent, isolation: 'process', confine: { network: true } })).toThrow("`confine` needs `isolation: 'confined'`");
  });

  it('logs an invalid call as one debug line without a stack, and a timeout with one name per line', async () => {
    const lines: string[] = [];
    const logger = pino({ name: 'app', level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const server = createMcpServer({ logger, timeout: 200 });
    const client = new Client({ name: 'in-memory', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      await client.callTool({ name: 'run_javascript', arguments: { code: 42 } });
      const rejected = lines.filter((line) => line.includes('rejected'));
      expect(rejected).toHaveLength(1);
      expect(JSON.parse(rejected[0] ?? '')).toMatchObject({ level: 20, msg: 'run_javascript rejected its input', reason: 'Expected `code` to be a string, got `42` (number)' });
      expect(rejected[0]).not.toMatch(/stack|\\n/);
      await client.callTool({ name: 'run_javascript', arguments: { code: 'while (true) {}' } });
    } finally {
      await client.close();
      await server.close();
    }
    const timedOut = lines.find((line) => line.includes('run timed out'));
    expect(timedOut).toBeDefined();
    expect(JSON.parse(timedOut ?? '')).toMatchObject({ name: 'app', component: 'repl-sandbox', timeout: 200 });
    // The isolate the timeout killed is not reported as a crash as well.
    expect(lines.filter((line) => line.includes('isolate crashed'))).toEqual([]);
    for (const line of lines) expect(line.match(/"name":/g), line).toHaveLength(1);
  });

  it('rejects contradictory options with a TypeError naming them', () => {
    expect(() => createMcpServer({ timeout: 5_000, maxTimeout: 1_000, logger: silent })).toThrow(/`timeout` \(5000\).*`maxTimeout` \(1000\)/);
    expect(() => createMcpServer({ timeout: -1, logger: silent })).toThrow(TypeError);
    const sandbox = createSandbox({ warm: 0 });
    expect(() => createMcpServer({ sandbox, isolation: 'context', logger: silent })).toThrow(/`isolation` belongs to the sandbox/);
    return sandbox.close();
  });
});
