/**
 * The MCP server: one tool, `run_javascript`, over stdio, with the official
 * SDK (an optional peer dependency: only this module loads it). Built only on
 * the public API.
 *
 * @example
 * // As a command: repl-sandbox mcp --timeout 10000 --max-timeout 60000
 * // In code:
 * import { startMcpServer } from 'repl-sandbox/mcp';
 * await startMcpServer({ timeout: 10_000 });
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { type Logger, pino } from 'pino';
import {
  createSandbox,
  handleToolCall,
  type Isolation,
  type RunResult,
  type Sandbox,
  SandboxClosedError,
  SandboxOverloadedError,
  toolDefinition,
} from './index.js';

/** Options of {@link createMcpServer} and {@link startMcpServer}. */
export interface McpServerOptions {
  /**
   * Timeout of a call whose input gives none, in milliseconds.
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
   * What is fresh for every call.
   * @default 'worker'
   */
  readonly isolation?: Isolation;
  /** Megabytes of V8 heap per isolate. */
  readonly memoryLimit?: number;
  /**
   * Code evaluated before every call, in the same context — helpers the
   * model may use. Its output is not captured.
   */
  readonly setup?: string | readonly string[];
  /**
   * Run calls in this sandbox instead of one the server creates. The caller
   * owns it (the server never closes it), and then `maxOutput`, `isolation`,
   * `memoryLimit` and `setup` must not be given: they are the sandbox's.
   */
  readonly sandbox?: Sandbox;
  /**
   * Where logs go: any pino logger. Never one that writes to stdout, which is
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
}

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
        type: { type: 'string', enum: ['exception', 'timeout', 'crashed', 'aborted'] },
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

function checkMs(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new TypeError(`Expected \`${name}\` to be a non-negative number of milliseconds, got \`${inspect(value)}\` (${typeof value})`);
  }
  return value;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A pino logger writing JSON lines to stderr (fd 2), synchronously so nothing is lost at exit. */
function stderrLogger(): Logger {
  return pino({ name: 'repl-sandbox-mcp', level: 'info' }, pino.destination({ dest: 2, sync: true }));
}

function resolve(options: McpServerOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, got \`${inspect(options)}\``);
  const timeout = checkMs('timeout', options.timeout ?? 30_000);
  const maxTimeout = checkMs('maxTimeout', options.maxTimeout ?? Math.max(120_000, timeout));
  if (timeout > maxTimeout) throw new TypeError(`Expected \`timeout\` (${timeout}) to be at most \`maxTimeout\` (${maxTimeout})`);
  const logger = options.logger ?? stderrLogger();
  const { maxOutput = 20_000, isolation, memoryLimit, setup } = options;
  const maxLength = options.maxLength ?? maxOutput + 20_000;
  if (options.sandbox !== undefined) {
    for (const key of ['maxOutput', 'isolation', 'memoryLimit', 'setup'] as const) {
      if (options[key] !== undefined) throw new TypeError(`\`${key}\` belongs to the sandbox: do not pass it with \`sandbox\``);
    }
    return { timeout, maxTimeout, maxLength, logger, sandbox: options.sandbox, ownsSandbox: false };
  }
  const sandbox = createSandbox({
    timeout,
    maxOutput,
    ...(isolation === undefined ? {} : { isolation }),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(setup === undefined ? {} : { setup }),
    logger,
  });
  return { timeout, maxTimeout, maxLength, logger, sandbox, ownsSandbox: true };
}

/** The tool as the server lists it: the shared definition, with this server's timeouts spelled out. */
function listedTool({ timeout, maxTimeout }: Resolved): Tool {
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
    // The code runs with the server's privileges: it may write files and reach the network.
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
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
      const args = { timeout: resolved.timeout, ...input };
      const { text, result } = await handleToolCall(args, sandbox, { maxTimeout, maxLength, signal: extra.signal });
      logger.info(
        { requestId: extra.requestId, ok: result.ok, ...(result.ok ? {} : { error: result.error.type }), durationMs: Math.round(result.durationMs) },
        'run_javascript',
      );
      return { content: [{ type: 'text', text }], structuredContent: structured(result), isError: !result.ok };
    } catch (error) {
      // The model's mistake, or a server that cannot take the call: tell the model, as a tool error.
      if (error instanceof TypeError || error instanceof SandboxOverloadedError || error instanceof SandboxClosedError) {
        logger.warn({ requestId: extra.requestId, err: error }, 'run_javascript rejected');
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
 * Serves MCP over this process's stdin and stdout until the client goes
 * away (stdin ends) or the process receives SIGINT or SIGTERM; then closes
 * the sandbox and resolves. Logs go to stderr (stdout is the protocol).
 * Boots the sandbox's warm isolates in the background, so the first call is fast.
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
    await server.connect(new StdioServerTransport());
    sandbox.warmup().catch((error: unknown) => logger.warn({ err: error }, 'warmup failed'));
    logger.info({ timeout: resolved.timeout, maxTimeout: resolved.maxTimeout, maxLength: resolved.maxLength }, 'MCP server ready on stdio');
    await closed;
  } finally {
    for (const [emitter, event, handler] of handlers) emitter.removeListener(event, handler);
    await dispose();
    logger.info('MCP server closed');
  }
}
