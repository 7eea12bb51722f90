#!/usr/bin/env node
/**
 * The command line: `repl-sandbox '<code>'`, `repl-sandbox -f file.ts`,
 * `… | repl-sandbox -`, and `repl-sandbox mcp` (the MCP server, loaded only
 * for that subcommand). Built on the public API; its flags, their checks
 * and both help texts come from the options table (src/options.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { inspect, parseArgs } from 'node:util';
import superjson, { type SuperJSONResult } from 'superjson';
import { type ConfineOptions, createSandbox, formatResult, type Isolation, type RunOptions, type RunResult, type SandboxOptions } from './index.js';
import type { McpServerOptions, startMcpServer } from './mcp.js';
import { ALL_OPTIONS, checkOption, closestName, failureOf, numberFromText, type OptionName, type OptionSpec, shownDefault } from './options.js';
import type { QueueWorker as QueueWorkerClass, QueueWorkerOptions } from './queue/index.js';

const USAGE_LINES = `Usage: repl-sandbox [options] '<code>'
       repl-sandbox [options] -f <file>
       repl-sandbox [options] -               (the code from standard input; - may be left out when it is piped)
       repl-sandbox mcp [server options]      (an MCP server on stdio: repl-sandbox mcp --help)
       repl-sandbox worker --redis <url> [...] (an executor of a queue: repl-sandbox worker --help)`;

const SHORT_USAGE = `${USAGE_LINES}
Run repl-sandbox --help for the options, exit codes and examples.`;

/** A command-line flag, as parseArgs and the help text see it. */
interface Flag {
  /** Long name, without the dashes. */
  readonly name: string;
  readonly short?: string;
  /** The value as help names it (`<ms>`); absent for a boolean flag. */
  readonly arg?: string;
  readonly multiple?: boolean;
  readonly help: string;
}

/** The flag of a library or server option, its help line (and the default it shows) from the options table. */
function tableFlag(option: OptionName, help: 'cli' | 'mcp'): Flag {
  const spec: OptionSpec = ALL_OPTIONS[option];
  const line = help === 'cli' ? spec.cliHelp : spec.mcp?.help;
  if (spec.flag === undefined || line === undefined) throw new Error(`option ${option} has no ${help} flag`);
  const { name, short, arg, multiple } = spec.flag;
  return { name, arg, help: line(shownDefault(spec, help === 'cli' ? 'library' : 'mcp')), ...(short === undefined ? {} : { short }), ...(multiple === true ? { multiple } : {}) };
}

const HELP_FLAG: Flag = { name: 'help', short: 'h', help: 'show this help' };

/** `confine` as flags, with --isolation confined. */
const CONFINE_FLAGS: readonly Flag[] = [
  { name: 'network', help: "confined: share the host's network (the internet and the host's loopback services); default: none" },
  { name: 'read', arg: '<path>', multiple: true, help: 'confined: a host path visible read-only (repeatable; cwd always is)' },
  { name: 'write', arg: '<path>', multiple: true, help: 'confined: a host path visible read-write (repeatable; default: none)' },
];

/** The flags of `repl-sandbox`, in the order help lists them. */
const EVALUATE_FLAGS: readonly Flag[] = [
  { name: 'file', short: 'f', arg: '<path>', help: 'read the code from a file (.ts, .mts, .cts imply --ts)' },
  { name: 'ts', help: 'the code is TypeScript: strip its types first' },
  tableFlag('timeout', 'cli'),
  tableFlag('maxOutput', 'cli'),
  tableFlag('setup', 'cli'),
  { name: 'setup-file', arg: '<path>', multiple: true, help: 'like --setup, the code read from a file (repeatable, in order)' },
  tableFlag('isolation', 'cli'),
  ...CONFINE_FLAGS,
  tableFlag('memoryLimit', 'cli'),
  {
    name: 'json',
    help:
      'print the whole result as one JSON object, value in superjson form; runs in a process isolate unless ' +
      '--isolation says otherwise: code in worker or context can write to our own stdout (fs.writeSync(1)), which is the JSON document',
  },
  { name: 'quiet', short: 'q', help: 'print only the value (errors still go to stderr), not the output' },
  HELP_FLAG,
  { name: 'version', short: 'v', help: 'show the version' },
];

/** The flags of `repl-sandbox mcp`, in the order help lists them. */
const MCP_FLAGS: readonly Flag[] = [
  tableFlag('timeout', 'mcp'),
  tableFlag('maxTimeout', 'mcp'),
  tableFlag('maxOutput', 'mcp'),
  tableFlag('maxLength', 'mcp'),
  tableFlag('isolation', 'mcp'),
  ...CONFINE_FLAGS,
  tableFlag('memoryLimit', 'mcp'),
  { name: 'setup-file', arg: '<path>', multiple: true, help: 'code run before every call: helpers the model may use (repeatable)' },
  HELP_FLAG,
];

/** The flags of `repl-sandbox worker`, in the order help lists them. */
const WORKER_FLAGS: readonly Flag[] = [
  { name: 'redis', arg: '<url>', help: 'where Redis is: redis://[user:password@]host:port[/db] or rediss:// (required)' },
  { name: 'queue', arg: '<name>', help: 'the BullMQ queue to take runs from (default repl-sandbox)' },
  { name: 'prefix', arg: '<prefix>', help: "BullMQ's key prefix, the same as the applications' (default bull)" },
  { name: 'concurrency', arg: '<n>', help: 'runs at once on this executor (default: os.availableParallelism())' },
  { name: 'warm', arg: '<n>', help: 'isolates kept booted ahead of runs (default: os.availableParallelism())' },
  tableFlag('isolation', 'cli'),
  ...CONFINE_FLAGS,
  tableFlag('memoryLimit', 'cli'),
  { name: 'timeout', short: 't', arg: '<ms>', help: 'timeout of a run whose caller sets none (default 60000; Infinity: none)' },
  { name: 'max-output', arg: '<bytes>', help: 'output kept of a run whose caller sets no maxOutput (default 50000)' },
  { name: 'setup-file', arg: '<path>', multiple: true, help: 'code run before every run whose caller sets no setup (repeatable, in order)' },
  {
    name: 'lock-duration',
    arg: '<ms>',
    help: "BullMQ's lock on a running job, renewed every half of it: a run on an executor that dies resolves crashed/lost about this long plus 1 s after (default 10000)",
  },
  HELP_FLAG,
];

/** The parseArgs configuration of `flags`. */
function parseOptions(flags: readonly Flag[]): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  return Object.fromEntries(
    flags.map(({ name, short, arg, multiple }) => [
      name,
      { type: arg === undefined ? 'boolean' : 'string', ...(short === undefined ? {} : { short }), ...(multiple === true ? { multiple } : {}) },
    ]),
  );
}

/**
 * `argv` with every value that starts with a single dash attached to its
 * flag (`--timeout -1` → `--timeout=-1`, `-t -1` too): parseArgs refuses
 * such a value as "ambiguous", which hid the real message (`--timeout
 * expects a non-negative number…, got '-1'`). A known flag (`--setup -q`)
 * and anything after `--` are left as they are.
 */
function attachDashValues(argv: readonly string[], flags: readonly Flag[]): string[] {
  const valued = new Map<string, string>();
  const shorts = new Set<string>();
  for (const { name, short, arg } of flags) {
    if (short !== undefined) shorts.add(short);
    if (arg === undefined) continue;
    valued.set(`--${name}`, name);
    if (short !== undefined) valued.set(`-${short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = valued.get(arg);
    const next = argv[i + 1];
    if (name !== undefined && next !== undefined && /^-[^-]/.test(next) && !shorts.has(next.charAt(1))) {
      out.push(`--${name}=${next}`);
      i++;
    } else if (name !== undefined && next !== undefined && !next.startsWith('-')) {
      // The flag's value: pushed now so that a value such as `-t` is never mistaken for a flag.
      out.push(arg, next);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * parseArgs' "Unknown option" message in our words: a likely flag (`--timout`
 * → did you mean --timeout?), or else how to pass code that starts with a
 * dash. Node's own text ends in an unbalanced quote.
 */
function unknownOptionMessage(message: string, flags: readonly Flag[], argv: readonly string[], code: boolean): string {
  const option = /^Unknown option '([^']*)'/.exec(message)?.[1];
  if (option === undefined) return message;
  const names = flags.map(({ name }) => name);
  const guess = option.startsWith('--') ? closestName(option.slice(2).split('=')[0] ?? '', names) : undefined;
  if (guess !== undefined) return `Unknown option '${option}' (did you mean --${guess}?)`;
  if (!code) return `Unknown option '${option}'`;
  // parseArgs names `-1` of `-1+2` (a group of short flags): show the whole argument.
  const argument = argv.find((arg) => arg.startsWith(option)) ?? option;
  return `Unknown option '${option}'; code that starts with a dash goes after --: repl-sandbox -- '${argument}'`;
}

/**
 * Whether the code argument is more likely a file name: it looks like a
 * path (a .js/.mjs/.cjs/.ts/.mts/.cts ending or a slash, no spaces or
 * code punctuation) and an existing file has that name. Code such as `foo`
 * or `config.js` wrapped in parentheses stays code.
 */
function namesFile(argument: string): boolean {
  if (!/^[\w.@~/\\-]+$/.test(argument) || !(/\.[cm]?[jt]s$/i.test(argument) || /[/\\]/.test(argument))) return false;
  return statSync(argument, { throwIfNoEntry: false })?.isFile() === true;
}

const HELP_COLUMN = 28;
const HELP_WIDTH = 100;

/** The help lines of `flags`: the flag, then its text from column 28, wrapped. */
function flagLines(flags: readonly Flag[]): string {
  return flags
    .map(({ name, short, arg, help }) => {
      const head = `  ${short === undefined ? '    ' : `-${short}, `}--${name}${arg === undefined ? '' : ` ${arg}`}`;
      const lines: string[] = [];
      let line = head.padEnd(HELP_COLUMN - 1);
      for (const word of help.split(' ')) {
        if (line.length + 1 + word.length > HELP_WIDTH && line.trim() !== '') {
          lines.push(line);
          line = ' '.repeat(HELP_COLUMN - 1);
        }
        line += ` ${word}`;
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}

const HELP = `${USAGE_LINES}

Evaluates JavaScript (or TypeScript) in a fresh isolate: prints what the code
prints as it prints it, then the value of its last expression as a REPL shows
it (=> 42). Top-level await works. Not a security boundary: the code runs with
your privileges.

Options:
${flagLines(EVALUATE_FLAGS)}
  --                        ends the options: repl-sandbox -- '-1 + 2'

The argument is code, not a file name: an argument that looks like a path (it
ends in .js, .mjs, .cjs, .ts, .mts or .cts, or has a /) and names an existing
file is refused with "did you mean -f <file>?" (exit 2). Code that happens to
name a file runs in parentheses: repl-sandbox '(config.js)'.

Output: the code's output on stdout as it streams, then "=> <value>" on stdout,
or the error (type, name, message, your stack frames) on stderr. Colors on a
terminal; NO_COLOR=1 turns them off (always), FORCE_COLOR=1 forces them.

Exit codes:
  0    the code ran and its value settled
  1    the code (or its setup) threw
  2    usage error: unknown flag, bad value, unreadable file, MCP SDK missing
  124  timed out (like coreutils timeout)
  125  the isolate crashed (process.exit(n), n > 0; out of memory), the run was aborted
       (Ctrl-C), or repl-sandbox itself failed

Examples:
  repl-sandbox 'console.log("hi"); 6 * 7'
  repl-sandbox --timeout 1000 'while (true) {}'; echo $?     # 124
  echo 'const n: number = 2; n ** 10' | repl-sandbox --ts -
  repl-sandbox -f script.ts --setup-file helpers.js
  repl-sandbox --json 'new Map([[1, new Date(0)]])'
  repl-sandbox -q 'require("node:os").cpus().length'
  repl-sandbox --isolation confined --write ./out -f model-written.js   # Linux, bubblewrap`;

/** The MCP client configuration help shows: npx with the SDK, an optional peer, installed beside the package. */
const MCP_CLIENT_CONFIG = {
  mcpServers: {
    'repl-sandbox': {
      command: 'npx',
      args: ['-y', '-p', '@modelcontextprotocol/sdk', '-p', 'repl-sandbox', 'repl-sandbox', 'mcp', '--isolation', 'confined'],
    },
  },
} as const;

const MCP_HELP = `Usage: repl-sandbox mcp [options]

Serves the Model Context Protocol on stdin/stdout with one tool, run_javascript,
which runs code in a fresh isolate per call (warm isolates kept booted). Logs
go to stderr as JSON lines. An input line that is not JSON, not JSON-RPC, or
longer than 10 MiB (skipped, not buffered) gets a JSON-RPC error reply, and the
server carries on. Needs the optional peer dependency
@modelcontextprotocol/sdk.

Options:
${flagLines(MCP_FLAGS)}

Client configuration (e.g. Claude Desktop, Cursor); for model-written code on
Linux, confined (bubblewrap: no network, no host files but cwd read-only). npx
installs the SDK beside repl-sandbox (-p twice), since it is an optional peer:
  ${JSON.stringify(MCP_CLIENT_CONFIG)}
repl-sandbox is not on npm yet: until it is, give the second -p the path of its
tarball (npm pack in a clone: "-p", "/abs/path/repl-sandbox-0.1.0.tgz").`;

const WORKER_HELP = `Usage: repl-sandbox worker --redis <url> [options]

An executor: takes runs from a BullMQ queue on Redis, runs each in a fresh
isolate of its own sandbox, and sends output and result back to the
application that queued it (createQueueSandbox in repl-sandbox/queue). Run one
per machine, as many machines as the load needs. Logs go to stderr as JSON
lines. SIGTERM or SIGINT: stop taking runs, finish the running ones, exit 0; a
second signal aborts them (their callers get aborted). Needs the optional peer
dependencies bullmq and ioredis.

Options:
${flagLines(WORKER_FLAGS)}

Examples:
  repl-sandbox worker --redis redis://127.0.0.1:6379 --concurrency 4
  repl-sandbox worker --redis redis://redis:6379 --isolation confined --memory-limit 256`;

/** The exit status of each outcome. */
const EXIT = { ok: 0, exception: 1, usage: 2, timeout: 124, crashed: 125, aborted: 125, 'queue-timeout': 125 } as const;

/** A mistake on the command line: exit 2 with the message and the short usage. */
class UsageError extends Error {}

/** What parseArgs returns for our (table-built) flags. */
type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function stringList(values: Values, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * The value of an option given by its flag, checked by the library's own
 * check; its TypeError becomes a usage error (exit 2) that names the flag and
 * quotes the text as typed. `undefined` when the flag is absent.
 */
function optionFromFlag<K extends OptionName>(option: K, values: Values): ReturnType<(typeof ALL_OPTIONS)[K]['check']> | undefined {
  const { flag } = ALL_OPTIONS[option] as OptionSpec;
  const text = flag === undefined ? undefined : stringValue(values, flag.name);
  if (flag === undefined || text === undefined) return undefined;
  try {
    return checkOption(option, flag.fromText(text));
  } catch (error) {
    const failure = failureOf(error);
    if (failure === undefined) throw error;
    throw new UsageError(`--${flag.name} expects ${failure.expected}, got '${text}'`);
  }
}

/**
 * `confine` from --network, --read and --write, checked by the library's own
 * check (its TypeError becomes a usage error that names the flag); they need
 * --isolation confined. `undefined` when none is given.
 */
function confineFromFlags(values: Values, isolation: Isolation | undefined): ConfineOptions | undefined {
  const read = stringList(values, 'read');
  const write = stringList(values, 'write');
  const network = values['network'] === true;
  if (!network && read.length === 0 && write.length === 0) return undefined;
  if (isolation !== 'confined') throw new UsageError(`--network, --read and --write need --isolation confined${isolation === undefined ? '' : `, got --isolation ${isolation}`}`);
  const confine = { network, read, write };
  try {
    checkOption('confine', confine, 'confine', { isolation, cwd: process.cwd() });
  } catch (error) {
    const failure = failureOf(error);
    if (failure === undefined) throw error;
    const [, list, index] = /^confine\.(read|write)\[(\d+)\]$/.exec(failure.name) ?? [];
    const text = list === undefined ? '' : ` '${(list === 'read' ? read : write)[Number(index)] ?? ''}'`;
    throw new UsageError(`--${list ?? 'network'}${text}: expected ${failure.expected}`);
  }
  return confine;
}

function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function readStdin(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Whether to color what goes to `stream`: never with NO_COLOR, always with FORCE_COLOR, else on a color terminal. */
function useColor(stream: NodeJS.WriteStream): boolean {
  const { NO_COLOR, FORCE_COLOR } = process.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined) return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return stream.isTTY && stream.hasColors();
}

/**
 * `text` in ANSI colors, with util.inspect's own codes. Not util.styleText:
 * from Node 22 it checks process.stdout itself, whichever stream we write to.
 */
function paint(styles: readonly (keyof typeof inspect.colors)[], text: string): string {
  return styles.reduceRight<string>((inner, style) => {
    const [open, close] = inspect.colors[style] ?? [0, 0];
    return `\u001b[${open}m${inner}\u001b[${close}m`;
  }, text);
}

/** Whether `value` is JSON as it stands: `JSON.stringify` keeps every part of it as is (no cycle, no hole, no undefined, no -0). */
function isJson(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || ancestors.has(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  const array = Array.isArray(value);
  if (array ? Object.keys(value).length !== value.length : prototype !== Object.prototype && prototype !== null) return false;
  ancestors.add(value);
  const json = Object.values(value).every((part) => isJson(part, ancestors));
  ancestors.delete(value);
  return json;
}

/**
 * `value` in superjson form, whatever it is. superjson throws on any key
 * named `__proto__`, `constructor` or `prototype` (its guard against
 * prototype pollution), which `JSON.parse` of ordinary data can produce:
 * such a value, if it is plain JSON, is its own exact superjson form
 * `{ json: value }`; anything else becomes a marker string saying why, as
 * the library marks a value it cannot transfer.
 */
function serialize(value: unknown): SuperJSONResult {
  try {
    return superjson.serialize(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    try {
      if (isJson(value)) {
        // Throws if the value is nested too deep for the document's own JSON.stringify.
        JSON.stringify(value);
        return { json: value as SuperJSONResult['json'] };
      }
    } catch {
      // Nested too deep: the marker.
    }
    return { json: `[not serializable by superjson: ${why}]` };
  }
}

/** The whole result as JSON, with the values (`result`, an exception's `value`, an abort's `reason`) in superjson form. */
function toJson(result: RunResult): string {
  let plain: Record<string, unknown>;
  if (result.ok) {
    plain = { ...result, result: serialize(result.result) };
  } else {
    const { error } = result;
    const value =
      error.type === 'exception' ? { value: serialize(error.value) }
      : error.type === 'aborted' && error.reason !== undefined ? { reason: serialize(error.reason) }
      : {};
    plain = { ...result, error: { ...error, ...value } };
  }
  return JSON.stringify(plain);
}

type Mode = 'human' | 'quiet' | 'json';

/** Prints the outcome (the output has streamed already) and returns the exit status. */
function report(result: RunResult, mode: Mode): number {
  if (mode === 'json') {
    process.stdout.write(`${toJson(result)}\n`);
  } else if (result.ok) {
    const color = useColor(process.stdout);
    // Colors only when the host re-inspects the copied value to the very same
    // text: functions, symbols and class instances are shown as the isolate saw them.
    const colored = color && inspect(result.result) === result.inspected ? inspect(result.result, { colors: true }) : result.inspected;
    const marker = color ? paint(['gray'], '=>') : '=>';
    process.stdout.write(mode === 'quiet' ? `${colored}\n` : `${marker} ${colored}\n`);
  } else {
    const [head = '', ...frames] = formatResult({ ...result, output: '' }).split('\n');
    const color = useColor(process.stderr);
    const text = color ? [paint(['red', 'bold'], head), ...frames.map((line) => paint(['dim'], line))] : [head, ...frames];
    process.stderr.write(`${text.join('\n')}\n`);
  }
  return result.ok ? EXIT.ok : EXIT[result.error.type];
}

/** Where the code comes from and how to run it, as the command line says. */
interface Evaluation {
  readonly code: string;
  readonly mode: Mode;
  readonly sandbox: SandboxOptions;
  readonly run: RunOptions;
}

const NO_CODE = 'no code given: pass it as an argument, with --file, or on standard input (piped, or with -)';

async function parseEvaluation(argv: readonly string[]): Promise<Evaluation | 'help' | 'version'> {
  const { values, positionals, tokens } = parseArgs({
    args: attachDashValues(argv, EVALUATE_FLAGS),
    allowPositionals: true,
    strict: true,
    tokens: true,
    options: parseOptions(EVALUATE_FLAGS),
  });
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  if (values.json === true && values.quiet === true) throw new UsageError('--json and --quiet exclude each other');
  const sources = positionals.length + (values.file === undefined ? 0 : 1);
  // No code argument, but something piped in: the code is standard input, as with -.
  const piped = sources === 0 && process.stdin.isTTY !== true;
  if (sources === 0 && !piped) throw new UsageError(NO_CODE);
  if (positionals.length > 1) throw new UsageError(`expected one code argument, got ${positionals.length} (quote the code)`);
  if (sources > 1) throw new UsageError('give the code once: as an argument, with --file or with - (standard input)');
  // Setup in command-line order, --setup and --setup-file interleaved.
  const setup: string[] = [];
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    if (token.name === 'setup') setup.push(token.value);
    if (token.name === 'setup-file') setup.push(readText('--setup-file', token.value));
  }
  let code: string;
  let filename: string | undefined;
  let language: 'ts' | undefined = values.ts === true ? 'ts' : undefined;
  const file = stringValue(values, 'file');
  if (file !== undefined) {
    code = readText('--file', file);
    filename = file.replace(/[\r\n]/g, ' ');
    if (/\.[mc]?ts$/i.test(file)) language = 'ts';
  } else if (piped || positionals[0] === '-') {
    code = await readStdin();
    filename = '<stdin>';
    if (piped && code.trim() === '') throw new UsageError(`${NO_CODE} (standard input was empty)`);
  } else {
    code = positionals[0] ?? '';
    if (namesFile(code)) {
      throw new UsageError(`'${code}' is a file, but the argument is the code to run: did you mean -f ${code}? (Code that names a file runs in parentheses: '(${code})'.)`);
    }
  }
  const timeout = optionFromFlag('timeout', values);
  const maxOutput = optionFromFlag('maxOutput', values);
  const memoryLimit = optionFromFlag('memoryLimit', values);
  const isolation = optionFromFlag('isolation', values);
  const confine = confineFromFlags(values, isolation);
  return {
    code,
    mode: values.json === true ? 'json' : values.quiet === true ? 'quiet' : 'human',
    sandbox: {
      // One run: boot exactly one isolate, keep no spares, so the process exits by itself.
      warm: 0,
      concurrency: 1,
      // --json: code in 'worker' or 'context' shares our file descriptors, so
      // fs.writeSync(1, …) would land inside the JSON document; a process
      // isolate's stdout goes nowhere. An explicit --isolation still wins.
      ...(isolation === undefined ? (values.json === true ? { isolation: 'process' as const } : {}) : { isolation }),
      ...(confine === undefined ? {} : { confine }),
      ...(memoryLimit === undefined ? {} : { memoryLimit }),
    },
    run: {
      ...(timeout === undefined ? {} : { timeout }),
      ...(maxOutput === undefined ? {} : { maxOutput }),
      ...(setup.length === 0 ? {} : { setup }),
      ...(language === undefined ? {} : { language }),
      ...(filename === undefined ? {} : { filename }),
    },
  };
}

async function evaluate(argv: readonly string[]): Promise<number> {
  const parsed = await parseEvaluation(argv);
  if (parsed === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (parsed === 'version') {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const { code, mode, sandbox: sandboxOptions, run } = parsed;
  const sandbox = createSandbox(sandboxOptions);
  // Ctrl-C aborts the run (exit 125); a second Ctrl-C kills the process as usual.
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onInterrupt);
  let printedNewline = true;
  try {
    const result = await sandbox.run(code, {
      ...run,
      signal: controller.signal,
      ...(mode === 'human'
        ? {
            onOutput: (chunk: string) => {
              process.stdout.write(chunk);
              printedNewline = chunk.endsWith('\n');
            },
          }
        : {}),
    });
    if (!printedNewline) process.stdout.write('\n');
    return report(result, mode);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await sandbox.close();
  }
}

/** Whether `error` is the failure to load the optional peer `name`. */
function isMissingPeer(error: unknown, name: string): boolean {
  const { code, message } = error as NodeJS.ErrnoException;
  return code === 'ERR_MODULE_NOT_FOUND' && String(message).includes(`'${name}'`);
}


async function serveMcp(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: attachDashValues(argv, MCP_FLAGS),
    allowPositionals: false,
    strict: true,
    options: parseOptions(MCP_FLAGS),
  });
  if (values.help === true) {
    process.stdout.write(`${MCP_HELP}\n`);
    return EXIT.ok;
  }
  const timeout = optionFromFlag('timeout', values);
  const maxTimeout = optionFromFlag('maxTimeout', values);
  if (timeout !== undefined && maxTimeout !== undefined && timeout > maxTimeout) {
    throw new UsageError(`--timeout (${timeout}) must not exceed --max-timeout (${maxTimeout})`);
  }
  const maxOutput = optionFromFlag('maxOutput', values);
  const maxLength = optionFromFlag('maxLength', values);
  const memoryLimit = optionFromFlag('memoryLimit', values);
  const isolation = optionFromFlag('isolation', values);
  const confine = confineFromFlags(values, isolation);
  const setup = stringList(values, 'setup-file').map((path) => readText('--setup-file', path));
  const options: McpServerOptions = {
    ...(timeout === undefined ? {} : { timeout }),
    ...(maxTimeout === undefined ? {} : { maxTimeout }),
    ...(maxOutput === undefined ? {} : { maxOutput }),
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(isolation === undefined ? {} : { isolation }),
    ...(confine === undefined ? {} : { confine }),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(setup.length === 0 ? {} : { setup }),
  };
  // Loaded only here: the SDK is an optional peer dependency.
  let start: typeof startMcpServer;
  try {
    ({ startMcpServer: start } = await import('./mcp.js'));
  } catch (error) {
    if (!isMissingPeer(error, '@modelcontextprotocol/sdk')) throw error;
    process.stderr.write(
      'repl-sandbox mcp needs the MCP SDK, an optional peer dependency: install @modelcontextprotocol/sdk\n' +
        '  npm install @modelcontextprotocol/sdk\n' +
        '  or, with npx: npx -p @modelcontextprotocol/sdk -p repl-sandbox repl-sandbox mcp\n',
    );
    return EXIT.usage;
  }
  await start(options);
  return EXIT.ok;
}

/** `repl-sandbox worker`: an executor of the queue until SIGTERM or SIGINT. */
async function serveQueue(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: attachDashValues(argv, WORKER_FLAGS),
    allowPositionals: true,
    strict: true,
    options: parseOptions(WORKER_FLAGS),
  });
  if (values.help === true) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`an executor takes its code from the queue, not the command line: unexpected '${positionals[0] ?? ''}'`);
  const redis = stringValue(values, 'redis');
  if (redis === undefined) throw new UsageError('--redis <url> is required: where the queue is (redis://host:6379)');
  if (!/^rediss?:\/\//.test(redis)) throw new UsageError(`--redis expects a redis:// or rediss:// URL, got '${redis}'`);
  const queue = stringValue(values, 'queue');
  const prefix = stringValue(values, 'prefix');
  // Checked by the executor itself (below), which names the option: --concurrency for `concurrency`.
  const integer = (flag: string): number | undefined => {
    const text = stringValue(values, flag);
    return text === undefined ? undefined : numberFromText(text);
  };
  const concurrency = integer('concurrency');
  const warm = integer('warm');
  const lockDuration = integer('lock-duration');
  const timeout = optionFromFlag('timeout', values);
  const maxOutput = optionFromFlag('maxOutput', values);
  const memoryLimit = optionFromFlag('memoryLimit', values);
  const isolation = optionFromFlag('isolation', values);
  const confine = confineFromFlags(values, isolation);
  const setup = stringList(values, 'setup-file').map((path) => readText('--setup-file', path));
  // Loaded only here: bullmq and ioredis are optional peer dependencies.
  let QueueWorker: typeof QueueWorkerClass;
  try {
    ({ QueueWorker } = await import('./queue/index.js'));
  } catch (error) {
    const missing = ['bullmq', 'ioredis'].find((name) => isMissingPeer(error, name));
    if (missing === undefined) throw error;
    process.stderr.write(
      `repl-sandbox worker needs ${missing}, an optional peer dependency: install bullmq and ioredis\n` +
        '  npm install bullmq ioredis\n' +
        '  or, with npx: npx -p bullmq -p ioredis -p repl-sandbox repl-sandbox worker --redis redis://host:6379\n',
    );
    return EXIT.usage;
  }
  const { pino } = await import('pino');
  const logger = pino({ name: 'repl-sandbox-worker', level: 'info' }, pino.destination({ dest: 2, sync: true }));
  const options: QueueWorkerOptions = {
    connection: redis,
    logger,
    ...(queue === undefined ? {} : { queue }),
    ...(prefix === undefined ? {} : { prefix }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(warm === undefined ? {} : { warm }),
    ...(lockDuration === undefined ? {} : { lockDuration }),
    ...(isolation === undefined ? {} : { isolation }),
    ...(confine === undefined ? {} : { confine }),
    ...(memoryLimit === undefined ? {} : { memoryLimit }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(maxOutput === undefined ? {} : { maxOutput }),
    ...(setup.length === 0 ? {} : { setup }),
  };
  let executor: QueueWorkerClass;
  try {
    executor = new QueueWorker(options);
  } catch (error) {
    const failure = failureOf(error);
    if (failure === undefined) throw error;
    const flag = failure.name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    throw new UsageError(`--${flag} expects ${failure.expected}, got '${stringValue(values, flag) ?? ''}'`);
  }
  // Until it takes runs (booting its isolates, or waiting for Redis), a signal ends it at once.
  const onEarlySignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopped before taking runs');
    void executor.close({ abort: true }).finally(() => process.exit(EXIT.ok));
  };
  process.once('SIGTERM', onEarlySignal);
  process.once('SIGINT', onEarlySignal);
  try {
    await executor.start();
  } finally {
    process.removeListener('SIGTERM', onEarlySignal);
    process.removeListener('SIGINT', onEarlySignal);
  }
  logger.info({ queue: queue ?? 'repl-sandbox', concurrency: concurrency ?? 'default', isolation: isolation ?? 'worker' }, 'executor taking runs');
  let closing = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        logger.warn({ signal, running: executor.running }, 'second signal: aborting the running runs');
        void executor.close({ abort: true });
        return;
      }
      closing = true;
      logger.info({ signal, running: executor.running }, 'stopping: no new runs, finishing the running ones');
      void executor.close().then(
        () => {
          process.removeListener('SIGTERM', onSignal);
          process.removeListener('SIGINT', onSignal);
          resolve();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'closing the executor failed');
          resolve();
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await stopped;
  logger.info({}, 'executor stopped');
  return EXIT.ok;
}

async function main(argv: readonly string[]): Promise<number> {
  const subcommand = argv[0] === 'mcp' ? 'mcp' : argv[0] === 'worker' ? 'worker' : undefined;
  try {
    return await (subcommand === 'mcp' ? serveMcp(argv.slice(1)) : subcommand === 'worker' ? serveQueue(argv.slice(1)) : evaluate(argv));
  } catch (error) {
    // parseArgs throws TypeErrors with a code for unknown flags and missing values.
    const { code } = error as NodeJS.ErrnoException;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      const flags = subcommand === 'mcp' ? MCP_FLAGS : subcommand === 'worker' ? WORKER_FLAGS : EVALUATE_FLAGS;
      const message = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOptionMessage((error as Error).message, flags, argv, subcommand === undefined) : (error as Error).message;
      const usage = subcommand === undefined ? SHORT_USAGE : `Usage: repl-sandbox ${subcommand} [options]   (repl-sandbox ${subcommand} --help for the options)`;
      process.stderr.write(`repl-sandbox: ${message}\n\n${usage}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // repl-sandbox itself failed: 125, as coreutils timeout does.
    process.stderr.write(`repl-sandbox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.crashed;
  },
);
