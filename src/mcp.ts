/**
 * The MCP server: one tool, `run_javascript`, over stdio, with the official
 * SDK (an optional peer dependency: only this module loads it). Built on the
 * public API; its defaults and option checks come from the options table
 * (src/options.ts).
 *
 * @example
 * // As a command: repl-sandbox mcp --timeout 10000 --max-timeout 60000
 * // In code:
 * import { startMcpServer } from 'repl-sandbox/mcp';
 * await startMcpServer({ timeout: 10_000 });
 */
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  McpError,
  type RequestId,
  RequestIdSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import {
  createSandbox,
  type ConfineOptions,
  type Isolation,
  type RunResult,
  type Sandbox,
  SandboxClosedError,
  SandboxOverloadedError,
  toolDefinition,
} from './index.js';
import type { SandboxLogger as Logger } from './index.js';
import { checkOption, fail, MAX_LENGTH_OVER_OUTPUT, OPTIONS, SERVER_OPTIONS } from './options.js';
import { runToolCall } from './tools.js';

/** Options of {@link createMcpServer} and {@link startMcpServer}. */
export interface McpServerOptions {
  /**
   * Timeout of a call whose input gives none, in milliseconds (checked as
   * the library's `timeout`).
   * @default 30_000
   */
  readonly timeout?: number;
  /**
   * The largest timeout a call may ask for; larger ones are lowered to it.
   * Must be at least `timeout`.
   * @default 120_000
   */
  readonly maxTimeout?: number;
  /**
   * Bytes of output kept per call (then the truncation note).
   * @default 20_000
   */
  readonly maxOutput?: number;
  /**
   * Length bound of the text content returned to the model, head and tail
   * kept (see `formatResult`). It bounds the value's text, which `maxOutput`
   * does not.
   * @default maxOutput + 20_000
   */
  readonly maxLength?: number;
  /**
   * What is fresh for every call. `'process'` by default, unlike the
   * library: code in `'worker'` or `'context'` shares the host's file
   * descriptors, so `fs.writeSync(1, …)` would write into the server's own
   * stdout, the JSON-RPC stream (it could forge replies). A `'process'`
   * isolate's stdout goes nowhere. For model-written code use `'confined'`
   * (Linux, bubblewrap): no network, none of the host's files but `cwd`
   * read-only, none of its environment.
   * @default 'process'
   */
  readonly isolation?: Isolation;
  /** Megabytes of V8 heap per isolate, as the library's `memoryLimit` (whole megabytes, rounded down, at least 1). */
  readonly memoryLimit?: number;
  /** With `isolation: 'confined'`: what of the host the code may reach (the library's `confine`). */
  readonly confine?: ConfineOptions;
  /**
   * Code evaluated before every call, in the same context — helpers the
   * model may use. Its output is not captured.
   */
  readonly setup?: string | readonly string[];
  /**
   * Run calls in this sandbox instead of one the server creates. The caller
   * owns it (the server never closes it), and then `maxOutput`, `isolation`,
   * `memoryLimit`, `setup` and `confine` must not be given: they are the sandbox's.
   * Over stdio, give it `isolation: 'process'` (see `isolation`).
   */
  readonly sandbox?: Sandbox;
  /**
   * Where logs go: any pino logger (or anything with pino's `child`, `debug`,
   * `info`, `warn` and `error`). Never one that writes to stdout, which is
   * the protocol's.
   * @default pino at level info, to stderr
   */
  readonly logger?: Logger;
}

interface Resolved {
  readonly timeout: number;
  readonly maxTimeout: number;
  readonly maxLength: number;
  readonly logger: Logger;
  readonly sandbox: Sandbox;
  readonly ownsSandbox: boolean;
  /** What the code can reach beyond its isolate: all of it, unless the server made a `'confined'` sandbox. */
  readonly reach: { readonly network: boolean; readonly writes: boolean };
}

const FULL_REACH = { network: true, writes: true } as const;

/** The JSON Schema of the tool's `structuredContent`. */
const OUTPUT_SCHEMA = {
  type: 'object',
  properties: {
    ok: { type: 'boolean', description: 'Whether the code ran and its value settled.' },
    output: { type: 'string', description: 'What the code printed, in order; truncated past the server\'s limit with a note.' },
    inspected: { type: 'string', description: 'The value of the last expression as a REPL shows it (when ok).' },
    error: {
      type: 'object',
      description: 'What went wrong (when not ok).',
      properties: {
        type: { type: 'string', enum: ['exception', 'timeout', 'queue-timeout', 'crashed', 'aborted'] },
        name: { type: 'string', description: "The thrown error's name (exceptions only)." },
        message: { type: 'string' },
      },
      required: ['type', 'message'],
      additionalProperties: false,
    },
    durationMs: { type: 'number', description: 'Milliseconds the call took.' },
  },
  required: ['ok', 'output', 'durationMs'],
  additionalProperties: false,
} as const satisfies Tool['outputSchema'];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A pino logger writing JSON lines to stderr (fd 2), synchronously so nothing is lost at exit. */
function stderrLogger(): Logger {
  return pino({ name: 'repl-sandbox-mcp', level: 'info' }, pino.destination({ dest: 2, sync: true }));
}

/** The server's defaults, from the options table. */
const DEFAULTS = {
  timeout: OPTIONS.timeout.mcp.default,
  maxTimeout: SERVER_OPTIONS.maxTimeout.mcp.default,
  maxOutput: OPTIONS.maxOutput.mcp.default,
  isolation: OPTIONS.isolation.mcp.default,
} as const;

/**
 * The server's options, each checked once, here, by the library's own
 * checks. `maxOutput`, `isolation`, `memoryLimit` and `setup` are left to
 * `createSandbox`, which checks them.
 */
function resolve(options: McpServerOptions): Resolved {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const timeout = options.timeout === undefined ? DEFAULTS.timeout : checkOption('timeout', options.timeout);
  const maxTimeout = options.maxTimeout === undefined ? Math.max(DEFAULTS.maxTimeout, timeout) : checkOption('maxTimeout', options.maxTimeout);
  if (timeout > maxTimeout) throw new TypeError(`Expected \`timeout\` (${timeout}) to be at most \`maxTimeout\` (${maxTimeout})`);
  const logger = options.logger === undefined ? stderrLogger() : checkOption('logger', options.logger);
  const { maxOutput = DEFAULTS.maxOutput, isolation = DEFAULTS.isolation, memoryLimit, setup, confine } = options;
  if (options.sandbox !== undefined) {
    for (const key of ['maxOutput', 'isolation', 'memoryLimit', 'setup', 'confine'] as const) {
      if (options[key] !== undefined) throw new TypeError(`\`${key}\` belongs to the sandbox: do not pass it with \`sandbox\``);
    }
  }
  const maxLength = options.maxLength === undefined ? checkOption('maxOutput', maxOutput) + MAX_LENGTH_OVER_OUTPUT : checkOption('maxLength', options.maxLength);
  if (options.sandbox !== undefined) return { timeout, maxTimeout, maxLength, logger, sandbox: options.sandbox, ownsSandbox: false, reach: FULL_REACH };
  const sandbox = createSandbox({
    timeout,
    maxOutput,
    isolation,
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(setup === undefined ? {} : { setup }),
    ...(confine === undefined ? {} : { confine }),
    logger,
  });
  const reach = isolation === 'confined' ? { network: confine?.network === true, writes: (confine?.write?.length ?? 0) > 0 } : FULL_REACH;
  return { timeout, maxTimeout, maxLength, logger, sandbox, ownsSandbox: true, reach };
}

/** The tool as the server lists it: the shared definition, with this server's timeouts spelled out. */
function listedTool({ timeout, maxTimeout, reach }: Resolved): Tool {
  const { properties } = toolDefinition.inputSchema;
  return {
    name: toolDefinition.name,
    title: 'Run JavaScript',
    description: toolDefinition.description,
    inputSchema: {
      ...toolDefinition.inputSchema,
      properties: {
        ...properties,
        timeout: {
          ...properties.timeout,
          description: `Wall-clock limit in milliseconds. Default ${timeout}; at most ${maxTimeout} (larger values are lowered).`,
        },
      },
    },
    outputSchema: OUTPUT_SCHEMA,
    // Outside 'confined' the code runs with the server's privileges: it may write files and reach the network.
    annotations: { readOnlyHint: false, destructiveHint: reach.writes, idempotentHint: false, openWorldHint: reach.network },
  };
}

/** `structuredContent` of a call, matching {@link OUTPUT_SCHEMA}. */
function structured(result: RunResult): Record<string, unknown> {
  if (result.ok) return { ok: true, output: result.output, inspected: result.inspected, durationMs: result.durationMs };
  const { error } = result;
  return {
    ok: false,
    output: result.output,
    error: { type: error.type, ...(error.type === 'exception' ? { name: error.name } : {}), message: error.message },
    durationMs: result.durationMs,
  };
}

interface Built {
  readonly server: Server;
  readonly resolved: Resolved;
  /** Closes the sandbox if the server created it. */
  readonly dispose: () => Promise<void>;
}

function build(options: McpServerOptions): Built {
  const resolved = resolve(options);
  const { sandbox, logger, maxTimeout, maxLength } = resolved;
  const server = new Server(
    { name: 'repl-sandbox', title: 'repl-sandbox', version: packageVersion() },
    {
      capabilities: { tools: {} },
      instructions:
        'run_javascript evaluates JavaScript or TypeScript in a fresh Node.js isolate per call and returns its console output and the value of its last expression. No state carries over between calls.',
    },
  );
  const tool = listedTool(resolved);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [tool] }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: input } = request.params;
    if (name !== tool.name) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    try {
      // The server's default timeout, unless the call gives one (then capped at maxTimeout).
      const { text, result } = await runToolCall(input ?? {}, sandbox, { timeout: resolved.timeout, maxTimeout, maxLength, signal: extra.signal });
      logger.info(
        { requestId: extra.requestId, ok: result.ok, ...(result.ok ? {} : { error: result.error.type }), durationMs: Math.round(result.durationMs) },
        'run_javascript',
      );
      return { content: [{ type: 'text', text }], structuredContent: structured(result), isError: !result.ok };
    } catch (error) {
      // The model's mistake, or a server that cannot take the call: tell the model, as a tool error.
      // One line each, no stack: the stack would be ours, and says nothing about the call.
      if (error instanceof TypeError) {
        // The model's arguments: routine, and the model is told.
        logger.debug({ requestId: extra.requestId, reason: error.message }, 'run_javascript rejected its input');
        return { content: [{ type: 'text', text: error.message }], isError: true };
      }
      if (error instanceof SandboxOverloadedError || error instanceof SandboxClosedError) {
        logger.warn({ requestId: extra.requestId, code: error.code, reason: error.message }, 'run_javascript refused');
        return { content: [{ type: 'text', text: error.message }], isError: true };
      }
      throw error;
    }
  });
  server.onerror = (error) => logger.error({ err: error }, 'MCP protocol error');
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => (disposed ??= resolved.ownsSandbox ? sandbox.close() : Promise.resolve());
  return { server, resolved, dispose };
}

/**
 * Creates the MCP server, not connected: `await server.connect(transport)`
 * with any SDK transport. It has the `run_javascript` tool and runs calls in
 * a sandbox of its own (or `options.sandbox`), which it closes when the
 * server closes (through `server.onclose`: if you replace that handler, call
 * the previous one).
 *
 * @throws TypeError for a bad option, naming it.
 *
 * @example
 * import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
 * const server = createMcpServer({ timeout: 5_000 });
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await server.connect(serverSide);
 */
export function createMcpServer(options: McpServerOptions = {}): Server {
  const { server, dispose } = build(options);
  server.onclose = () => void dispose();
  return server;
}

/**
 * The largest message line `startMcpServer` reads from stdin, in bytes
 * (newline excluded): the SDK's own stdio limit, 10 MiB.
 */
const MAX_LINE_BYTES = 10 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * MCP over newline-delimited JSON on a pair of streams, as the SDK's
 * StdioServerTransport, but it survives any input. The SDK's transport closes
 * itself (and so ends the server, in-flight calls unanswered) when a line
 * outgrows its 10 MiB buffer, and answers nothing to a line that is not JSON
 * or not JSON-RPC, so the client's request waits until its own timeout.
 * Here every such line gets a JSON-RPC error reply (JSON-RPC 2.0: id null
 * when the id cannot be told), and an oversized line is skipped to its
 * newline by counting bytes: no more than the bound is ever held, however
 * long the line.
 */
class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;
  readonly #logger: Logger;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #maxLineBytes: number;
  /** Utf-8 that is not valid is a parse error, not silently U+FFFD. */
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  /** The current line so far, while it is within the bound. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Whether the current line outgrew the bound: its bytes are dropped up to its newline. */
  #skipping = false;
  /**
   * Settles when stdout drains. Input waits meanwhile (stdin paused, the
   * rest of the chunk kept in `#backlog`), so a client that sends faster
   * than it reads, say a flood of bad lines, cannot grow our memory.
   */
  #drained: Promise<void> | undefined;
  #backlog: Buffer | undefined;
  #started = false;
  #closed = false;

  constructor(logger: Logger, input: Readable = process.stdin, output: Writable = process.stdout, maxLineBytes = MAX_LINE_BYTES) {
    this.#logger = logger;
    this.#input = input;
    this.#output = output;
    this.#maxLineBytes = maxLineBytes;
  }

  start(): Promise<void> {
    if (this.#started) return Promise.reject(new Error('LineTransport already started'));
    this.#started = true;
    this.#input.on('data', this.#onData);
    this.#input.on('error', this.#onInputError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#write(serializeMessage(message));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#input.off('data', this.#onData);
    this.#input.off('error', this.#onInputError);
    // Paused only if nobody else reads it, as the SDK's transport does.
    if (this.#input.listenerCount('data') === 0) this.#input.pause();
    this.#pending = [];
    this.#backlog = undefined;
    this.onclose?.();
    return Promise.resolve();
  }

  readonly #onInputError = (error: Error): void => {
    this.onerror?.(error);
  };

  readonly #onData = (chunk: Buffer | string): void => {
    this.#feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };

  #feed(bytes: Buffer): void {
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      this.#take(bytes.subarray(start, end));
      this.#endLine();
      start = end + 1;
      if (this.#drained !== undefined && start < bytes.length) {
        this.#backlog = bytes.subarray(start);
        return;
      }
    }
    if (start < bytes.length) this.#take(bytes.subarray(start));
  }

  /** Adds a piece of the current line, or drops it once the line is over the bound. */
  #take(piece: Buffer): void {
    if (this.#skipping || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > this.#maxLineBytes) {
      this.#skipping = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      // Said now, not at the newline: a line that never ends still gets its answer.
      this.#reject(null, ErrorCode.InvalidRequest, `Invalid Request: the line exceeded ${this.#maxLineBytes} bytes; it is discarded up to its newline`);
      return;
    }
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
  }

  #endLine(): void {
    const pieces = this.#pending;
    const length = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    // One line at a time, and whatever it does, the next line is still read.
    try {
      this.#handle(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, length));
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #handle(line: Buffer): void {
    let text: string;
    try {
      text = this.#decoder.decode(line);
    } catch {
      this.#reject(null, ErrorCode.ParseError, 'Parse error: the line is not valid UTF-8');
      return;
    }
    // Blank lines (and \r\n line ends) are framing, not messages.
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.#reject(null, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      this.#reject(requestIdOf(value), ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  /** Answers a line that carries no message the server can take. The client's mistake: a warning, not a protocol error. */
  #reject(id: RequestId | null, code: ErrorCode, message: string): void {
    this.#logger.warn({ id, code }, message);
    this.#write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`).catch((error: unknown) => {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    });
  }

  #write(line: string): Promise<void> {
    if (this.#output.write(line)) return Promise.resolve();
    this.#drained ??= new Promise<void>((resolveDrained) => {
      this.#input.pause();
      this.#output.once('drain', () => {
        this.#drained = undefined;
        resolveDrained();
        const backlog = this.#backlog;
        this.#backlog = undefined;
        if (this.#closed) return;
        if (backlog !== undefined) this.#feed(backlog);
        // Unless the backlog backed stdout up again.
        if (this.#drained === undefined) this.#input.resume();
      });
    });
    return this.#drained;
  }
}

/**
 * The id of an invalid request, when it has a usable one: the client then
 * learns which of its calls failed. Anything else gets id null.
 */
function requestIdOf(value: unknown): RequestId | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('method' in value) || !('id' in value)) return null;
  const id = RequestIdSchema.safeParse(value.id);
  return id.success ? id.data : null;
}

/**
 * Serves MCP over this process's stdin and stdout until the client goes
 * away (stdin ends) or the process receives SIGINT or SIGTERM; then closes
 * the sandbox and resolves. Logs go to stderr (stdout is the protocol).
 * Boots the sandbox's warm isolates in the background, so the first call is fast.
 *
 * Every input line is answered: one that is not JSON with a JSON-RPC parse
 * error (-32700), one that is not a JSON-RPC message or is longer than
 * 10 MiB with an invalid-request error (-32600; the long line is skipped
 * without being held in memory); the server carries on either way.
 */
export async function startMcpServer(options: McpServerOptions = {}): Promise<void> {
  const { server, resolved, dispose } = build(options);
  const { logger, sandbox } = resolved;
  const closed = new Promise<void>((resolveClosed) => {
    server.onclose = resolveClosed;
  });
  const stop = (why: string) => (): void => {
    logger.info({ why }, 'MCP server closing');
    server.close().catch((error: unknown) => logger.error({ err: error }, 'closing the transport failed'));
  };
  const handlers: [NodeJS.EventEmitter, string, () => void][] = [
    [process, 'SIGINT', stop('SIGINT')],
    [process, 'SIGTERM', stop('SIGTERM')],
    [process.stdin, 'end', stop('stdin ended')],
    [process.stdout, 'error', stop('stdout failed')],
  ];
  for (const [emitter, event, handler] of handlers) emitter.once(event, handler);
  try {
    await server.connect(new LineTransport(logger));
    sandbox.warmup().catch((error: unknown) => logger.warn({ err: error }, 'warmup failed'));
    logger.info({ timeout: resolved.timeout, maxTimeout: resolved.maxTimeout, maxLength: resolved.maxLength }, 'MCP server ready on stdio');
    await closed;
  } finally {
    for (const [emitter, event, handler] of handlers) emitter.removeListener(event, handler);
    await dispose();
    logger.info({}, 'MCP server closed');
  }
}
