import { realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import type { SandboxLogger } from './logger.js';

/** Options of one evaluation. Given to a sandbox, they are the defaults of its runs. */
export interface RunOptions {
  /**
   * Wall-clock limit in milliseconds for setup and evaluation together. The
   * clock starts when the code is handed to its isolate, not while the run
   * waits in the queue or for an isolate to boot. When it runs out the isolate
   * is terminated and the run resolves with `error.type === 'timeout'` and the
   * output printed so far. `Infinity` disables it.
   * @default 60_000
   */
  readonly timeout?: number;
  /**
   * How long, in milliseconds, the run may wait to start. The clock starts
   * when `run()` is called and stops when the code is handed to its isolate
   * (where `timeout`'s clock starts): it covers the wait in the sandbox's
   * queue and, with a concurrency slot, the wait for an isolate to boot. A
   * run still not started then is taken out of the queue without ever
   * running: it resolves with `error.type === 'queue-timeout'` (no output;
   * `timings` say how long it waited), which a caller can tell apart from
   * the code's own `timeout` (the code ran too long) and from
   * `SandboxOverloadedError` (the queue was full at the call). So a run
   * resolves within about `queueTimeout + timeout`. `0`: start now or not at
   * all (only when a slot and an isolate are free). `Infinity` waits for as
   * long as it takes.
   * @default Infinity
   * @example
   * // An HTTP handler that would rather answer 503 than let a request wait more than 2 s.
   * const result = await sandbox.run(code, { queueTimeout: 2_000 });
   * if (!result.ok && result.error.type === 'queue-timeout') reply(503, { 'retry-after': '1' });
   */
  readonly queueTimeout?: number;
  /**
   * Bytes of UTF-8 output kept. Past the cap the output is cut on a character
   * boundary and a note is appended, e.g.
   * `\n...(truncated, showing first 48.8KB of 97.7KB)`. `Infinity` keeps all.
   * @default 50_000
   */
  readonly maxOutput?: number;
  /**
   * Code evaluated first, in the same context, in order. Its output is not
   * captured; an exception in it is reported with `phase: 'setup'`.
   */
  readonly setup?: string | readonly string[];
  /**
   * `'ts'` strips TypeScript types before evaluation.
   * @default 'js'
   */
  readonly language?: 'js' | 'ts';
  /** Receives output live, chunk by chunk, exactly as `output` will hold it (same cap, same note). */
  readonly onOutput?: (chunk: string) => void;
  /** Aborting terminates the isolate; the run resolves with `error.type === 'aborted'`. */
  readonly signal?: AbortSignal;
  /**
   * The file name stack traces show for the code.
   * @default '<sandbox>'
   */
  readonly filename?: string;
}

/** The isolation levels, from cheapest to most protective. */
export type Isolation = 'context' | 'worker' | 'process' | 'confined';

/** Options of a {@link Sandbox}. The {@link RunOptions} among them are defaults for every run. */
export interface SandboxOptions extends RunOptions {
  /**
   * What is fresh for every evaluation. `'context'`: a new vm context in a
   * pooled worker thread. `'worker'`: a new Worker (V8 isolate and Node
   * environment) with its own vm context. `'process'`: a new child process.
   * `'confined'`: a new child process inside Linux namespaces (bubblewrap),
   * with no network, none of the host's files but what it needs and `cwd`
   * (read-only), none of the host's environment and no capabilities: the
   * level for code nobody read (see {@link SandboxOptions.confine}). Throws
   * `ConfinementUnavailableError` where bubblewrap cannot run.
   * @default 'worker'
   */
  readonly isolation?: Isolation;
  /**
   * Isolates kept booted ahead, each waiting for exactly one task. `0` boots on demand.
   * @default os.availableParallelism()
   */
  readonly warm?: number;
  /**
   * Evaluations running at once; the rest wait in a FIFO queue.
   * @default os.availableParallelism()
   */
  readonly concurrency?: number;
  /**
   * Evaluations allowed to wait; one more rejects with `SandboxOverloadedError`.
   * @default Infinity
   */
  readonly maxQueue?: number;
  /**
   * Megabytes of V8 heap per isolate. Exceeding it resolves `crashed` /
   * `out-of-memory`. Any positive finite number; it is used in whole
   * megabytes, rounded down with a minimum of 1 (`64.9` is 64, `0.5` is 1),
   * by every isolation level alike.
   */
  readonly memoryLimit?: number;
  /**
   * Directory `require()` and `import()` resolve from (a relative one is
   * resolved against `process.cwd()`).
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * The isolate's `process.env`, exactly.
   * @default a copy of the host's `process.env`; under `'confined'`, only
   * `PATH`, `HOME` and `TMPDIR` (both the run's scratch `/tmp`) and `LANG`
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Any pino-compatible logger (a pino `Logger` fits): `child`, `debug`,
   * `info`, `warn` and `error`. Silent by default.
   */
  readonly logger?: SandboxLogger;
  /**
   * `isolation: 'process'` only: run the child under Node's permission model
   * (`--permission`; `--experimental-permission` before Node 22.13). The code
   * cannot spawn processes or start workers, reads only `allowRead` (default:
   * all) and writes only `allowWrite` (default: nowhere). Relative paths are
   * resolved against `cwd`. Symbolic links inside an allowed directory are
   * followed wherever they point. Network access is NOT restricted.
   */
  readonly permissions?: PermissionProfile;
  /**
   * `isolation: 'confined'` only: what of the host the sandbox reaches
   * beyond Node itself, this package's harness and `cwd` (read-only).
   * Relative paths are resolved against `cwd`; each must exist.
   */
  readonly confine?: ConfineOptions;
}

/** What a `'confined'` isolate may reach of the host. */
export interface ConfineOptions {
  /**
   * `true` shares the host's network namespace: the internet and the host's
   * own loopback services (databases, metadata endpoints…).
   * @default false (a network namespace of its own: nothing is reachable)
   */
  readonly network?: boolean;
  /** Host files or directories visible read-only, at the same paths. */
  readonly read?: readonly string[];
  /** Host files or directories visible read-write, at the same paths. Default: none. */
  readonly write?: readonly string[];
}

/** {@link ConfineOptions} checked, paths absolute. */
export interface ResolvedConfine {
  readonly network: boolean;
  readonly read: readonly string[];
  readonly write: readonly string[];
}

/**
 * Node permission model settings for a `'process'` isolate. Each path is a
 * file or a directory (with everything below it) that must exist when the
 * isolate starts; one ending in `*` is Node's wildcard (`/data/a*` also
 * matches `/data/ab`).
 */
export interface PermissionProfile {
  /**
   * Paths the code may read; `'*'` (the default) reads everything. To
   * `require()` or `import()` packages installed in `cwd`, include `cwd`.
   */
  readonly allowRead?: '*' | readonly string[];
  /** Paths the code may write. Default: none. */
  readonly allowWrite?: readonly string[];
}

/** {@link RunOptions} with every default filled in. */
export interface ResolvedRunOptions {
  readonly timeout: number;
  readonly queueTimeout: number;
  readonly maxOutput: number;
  readonly setup: readonly string[];
  readonly language: 'js' | 'ts' | undefined;
  readonly onOutput: ((chunk: string) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly filename: string;
}

/** The options that only a sandbox takes, resolved. */
export interface ResolvedSandboxOptions {
  readonly isolation: Isolation;
  readonly warm: number;
  readonly concurrency: number;
  readonly maxQueue: number;
  /** Whole megabytes (see {@link SandboxOptions.memoryLimit}). */
  readonly memoryLimit: number | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly logger: SandboxLogger | undefined;
  readonly permissions: PermissionProfile | undefined;
  /** Set exactly when `isolation` is `'confined'`. */
  readonly confine: ResolvedConfine | undefined;
  readonly runDefaults: ResolvedRunOptions;
}


/** The isolation levels, in the order help and messages list them. */
export const ISOLATIONS: readonly Isolation[] = ['context', 'worker', 'process', 'confined'];

// ---------------------------------------------------------------------------
// Checks. Each returns the value to use (copied, normalized) or throws the
// library's TypeError, `Expected \`name\` to be <expected>, got <value>`: the
// one wording of every option message, whoever checks (library, CLI, MCP).
// ---------------------------------------------------------------------------

/** What each TypeError thrown by {@link fail} expected, for callers that re-word it (the CLI names its flag). */
const failures = new WeakMap<TypeError, { readonly name: string; readonly expected: string }>();

/** `\`-1\` (number)`: how a received value is shown in validation messages. */
export function shown(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 200 })}\` (${type})`;
}

/** Throws the library's TypeError for option (or argument) `name`. */
export function fail(name: string, expected: string, value: unknown): never {
  const error = new TypeError(`Expected \`${name}\` to be ${expected}, got ${shown(value)}`);
  failures.set(error, { name, expected });
  throw error;
}

/** The name and the expectation of a TypeError thrown by {@link fail}; `undefined` for any other error. */
export function failureOf(error: unknown): { readonly name: string; readonly expected: string } | undefined {
  return error instanceof TypeError ? failures.get(error) : undefined;
}

/** What {@link OptionSpec.check} receives besides the value: its name, and the options resolved before it. */
type Check<T> = (value: unknown, name: string, resolved: Readonly<Record<string, unknown>>) => T;

function milliseconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) fail(name, 'a non-negative number of milliseconds or Infinity', value);
  return value;
}

/** An integer >= `min` (0 or 1), or also Infinity. */
function count(min: 0 | 1, allowInfinity: boolean): Check<number> {
  const expected = `${min === 0 ? 'a non-negative' : 'a positive'} integer${allowInfinity ? ' or Infinity' : ''}`;
  return (value, name) => {
    const ok = typeof value === 'number' && value >= min && (Number.isInteger(value) || (allowInfinity && value === Infinity));
    if (!ok) fail(name, expected, value);
    return value;
  };
}

function setupList(value: unknown, name: string): readonly string[] {
  const list: readonly unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : fail(name, 'a string or an array of strings', value);
  list.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${name}[${i}]`, 'a string', item);
  });
  return Object.freeze([...(list as string[])]);
}

function language(value: unknown, name: string): 'js' | 'ts' {
  if (value !== 'js' && value !== 'ts') fail(name, "'js' or 'ts'", value);
  return value;
}

/** The `aborted` getter of Node's AbortSignal: it throws for anything that is not a real one. */
const abortedGetter = Reflect.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;

/**
 * A real AbortSignal, of any realm: its own `aborted` getter accepts it (a
 * brand check). A look-alike object would pass a duck-type check and then
 * throw in the host when the run tries to listen to it.
 */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== 'object' || value === null) return false;
  try {
    abortedGetter?.call(value);
    return abortedGetter !== undefined;
  } catch {
    return false;
  }
}

function isolation(value: unknown, name: string): Isolation {
  if (!(ISOLATIONS as readonly unknown[]).includes(value)) fail(name, "'context', 'worker', 'process' or 'confined'", value);
  return value as Isolation;
}

/** Whole megabytes: rounded down, at least 1. */
function megabytes(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) fail(name, 'a positive number of megabytes', value);
  return Math.max(1, Math.floor(value));
}

function directory(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') fail(name, 'a directory path', value);
  if (value.includes('\0') || !statSync(value, { throwIfNoEntry: false })?.isDirectory()) fail(name, 'an existing directory', value);
  // Absolute, so that it means the same in the isolate (a child process starts in it) as here.
  return path.resolve(value);
}

function environment(value: unknown, name: string): Readonly<Record<string, string | undefined>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object of strings', value);
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined && typeof item !== 'string') fail(`${name}.${key}`, 'a string or undefined', item);
  }
  return { ...(value as Record<string, string | undefined>) };
}

function logger(value: unknown, name: string): SandboxLogger {
  const candidate = value as Record<string, unknown> | null;
  const ok = typeof value === 'object' && candidate !== null && ['child', 'debug', 'info', 'warn', 'error'].every((method) => typeof candidate[method] === 'function');
  if (!ok) fail(name, 'a pino-compatible logger (child, debug, info, warn, error)', value);
  return value as SandboxLogger;
}

/** Validates a permission profile and copies it with every path absolute (relative ones resolved against `cwd`). */
function permissions(value: unknown, name: string, resolved: Readonly<Record<string, unknown>>): PermissionProfile {
  if (typeof value !== 'object' || value === null) fail(name, 'an object', value);
  const level = resolved['isolation'] as Isolation;
  const cwd = resolved['cwd'] as string;
  if (level !== 'process') {
    throw new TypeError(`\`${name}\` needs \`isolation: 'process'\` (Node's permission model is per process), got isolation '${level}'`);
  }
  const { allowRead, allowWrite } = value as PermissionProfile;
  const isPathList = (list: unknown): list is readonly string[] =>
    Array.isArray(list) && list.every((item) => typeof item === 'string' && item !== '' && !item.includes('\0'));
  // '*' stays Node's "everything"; anything else becomes absolute, as the isolate's own cwd would make it.
  const absolute = (paths: readonly string[]): readonly string[] => Object.freeze(paths.map((p) => (p === '*' ? p : path.resolve(cwd, p))));
  if (allowRead !== undefined && allowRead !== '*' && !isPathList(allowRead)) fail(`${name}.allowRead`, "'*' or an array of paths", allowRead);
  if (allowWrite !== undefined && !isPathList(allowWrite)) fail(`${name}.allowWrite`, 'an array of paths', allowWrite);
  return Object.freeze({
    ...(allowRead === undefined ? {} : { allowRead: allowRead === '*' ? allowRead : absolute(allowRead) }),
    ...(allowWrite === undefined ? {} : { allowWrite: absolute(allowWrite) }),
  });
}

/**
 * Host paths a `'confined'` sandbox must never mount: the whole host, or
 * what would replace the sandbox's own `/proc` and `/dev` (the host's
 * processes and devices) or show the host's `/sys`.
 */
export function unmountable(absolute: string): boolean {
  return absolute === '/' || ['/proc', '/dev', '/sys'].some((root) => absolute === root || absolute.startsWith(`${root}/`));
}

/** Paths for a sandbox to mount: non-empty strings, absolute against `cwd`, existing now (bubblewrap cannot mount what is not there). */
function existingPaths(value: unknown, name: string, cwd: string): readonly string[] {
  if (!Array.isArray(value)) fail(name, 'an array of paths', value);
  return Object.freeze(
    value.map((item: unknown, i) => {
      if (typeof item !== 'string' || item === '' || item.includes('\0')) fail(`${name}[${i}]`, 'a path', item);
      const absolute = path.resolve(cwd, item);
      if (unmountable(absolute)) fail(`${name}[${i}]`, "a path other than '/' and outside /proc, /dev and /sys", item);
      if (statSync(absolute, { throwIfNoEntry: false }) === undefined) fail(`${name}[${i}]`, 'an existing file or directory', item);
      // bubblewrap mounts what a symlink points to.
      if (unmountable(realpathSync(absolute))) fail(`${name}[${i}]`, "a path other than '/' and outside /proc, /dev and /sys", item);
      return absolute;
    }),
  );
}

/** Validates `confine` (only with `isolation: 'confined'`), every path absolute and existing. */
function confine(value: unknown, name: string, resolved: Readonly<Record<string, unknown>>): ResolvedConfine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  const level = resolved['isolation'] as Isolation;
  if (level !== 'confined') throw new TypeError(`\`${name}\` needs \`isolation: 'confined'\`, got isolation '${level}'`);
  const cwd = resolved['cwd'] as string;
  const given = value as ConfineOptions;
  checkKnownKeys(given, ['network', 'read', 'write'], `\`${name}\``);
  if (given.network !== undefined && typeof given.network !== 'boolean') fail(`${name}.network`, 'a boolean', given.network);
  return Object.freeze({
    network: given.network ?? false,
    read: given.read === undefined ? Object.freeze([]) : existingPaths(given.read, `${name}.read`, cwd),
    write: given.write === undefined ? Object.freeze([]) : existingPaths(given.write, `${name}.write`, cwd),
  });
}

// ---------------------------------------------------------------------------
// The options table: every option of the library, the CLI and the MCP server,
// once. The resolvers, the known-keys lists, "did you mean", the command
// lines' parseArgs configurations and both help texts derive from it.
// ---------------------------------------------------------------------------

/** How an option is given on a command line (`repl-sandbox`, `repl-sandbox mcp`). */
export interface FlagSpec {
  /** Long name, without the dashes. */
  readonly name: string;
  readonly short?: string;
  /** The value as help names it: `<ms>`. */
  readonly arg: string;
  readonly multiple?: boolean;
  /** The flag's text as the option's value, before the option's check (which gives the message). */
  readonly fromText: (text: string) => unknown;
}

/** One option. */
export interface OptionSpec<T = unknown> {
  /** `'run'`: RunOptions (also a sandbox's defaults); `'sandbox'`: SandboxOptions only; `'server'`: the MCP server's and the tool helpers'. */
  readonly scope: 'run' | 'sandbox' | 'server';
  /** The library's default (`undefined`: none, or computed by `computeDefault`). */
  readonly default?: T | undefined;
  /** A default computed when a sandbox is created. */
  readonly computeDefault?: () => T;
  /** The default as help texts show it, when `String(default)` is not it. */
  readonly shownDefault?: string;
  /** Validates a given value (see {@link fail}) and returns the value to use. */
  readonly check: Check<T>;
  /** Its command-line flag, if it has one. */
  readonly flag?: FlagSpec;
  /** The `repl-sandbox` help line, given the default as shown; absent: not a flag of the evaluating CLI. */
  readonly cliHelp?: (shownDefault: string) => string;
  /** The MCP server's default and help line; absent: not a server option. */
  readonly mcp?: { readonly default?: T; readonly shownDefault?: string; readonly help: (shownDefault: string) => string };
}

/** A flag's text as a number (blank is NaN, not 0), before the option's check gives the message. */
export const numberFromText = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));
const text = (value: string): string => value;

/** Every option of {@link SandboxOptions}, in the order they are checked (`permissions` and `confine` read `isolation` and `cwd`). */
export const OPTIONS = {
  timeout: {
    scope: 'run',
    default: 60_000,
    check: milliseconds,
    flag: { name: 'timeout', short: 't', arg: '<ms>', fromText: numberFromText },
    cliHelp: (d) => `wall-clock limit for setup and code (default ${d}; Infinity: none)`,
    mcp: { default: 30_000, help: (d) => `timeout of a call that sets none (default ${d})` },
  },
  // Not a flag: a command line runs one evaluation, which never waits in a queue.
  queueTimeout: { scope: 'run', default: Infinity, check: milliseconds },
  maxOutput: {
    scope: 'run',
    default: 50_000,
    check: count(0, true),
    flag: { name: 'max-output', arg: '<bytes>', fromText: numberFromText },
    cliHelp: (d) => `output kept, then a truncation note (default ${d}; Infinity: all)`,
    mcp: { default: 20_000, help: (d) => `output kept per call (default ${d})` },
  },
  setup: {
    scope: 'run',
    default: Object.freeze([]),
    check: setupList,
    flag: { name: 'setup', short: 's', arg: '<code>', multiple: true, fromText: text },
    cliHelp: () => 'run first, in the same context, output not captured (repeatable)',
  },
  language: { scope: 'run', default: undefined, shownDefault: 'js', check: language },
  onOutput: {
    scope: 'run',
    default: undefined,
    check: (value: unknown, name: string): ((chunk: string) => void) => (typeof value === 'function' ? (value as (chunk: string) => void) : fail(name, 'a function', value)),
  },
  signal: {
    scope: 'run',
    default: undefined,
    check: (value: unknown, name: string): AbortSignal => (isAbortSignal(value) ? value : fail(name, 'an AbortSignal', value)),
  },
  filename: {
    scope: 'run',
    default: '<sandbox>',
    check: (value: unknown, name: string): string =>
      typeof value === 'string' && value !== '' && !/[\n\r]/.test(value) ? value : fail(name, 'a non-empty single-line string', value),
  },
  isolation: {
    scope: 'sandbox',
    default: 'worker',
    check: isolation,
    flag: { name: 'isolation', arg: '<level>', fromText: text },
    cliHelp: (d) =>
      `${ISOLATIONS.slice(0, -1).join(', ')} or ${ISOLATIONS.at(-1) ?? ''} (default: ${d}; with --json, process); ` +
      'confined (Linux, bubblewrap: no network, no host files but cwd read-only, no host env) is the one for code nobody read',
    mcp: {
      default: 'process',
      help: (d) =>
        `${ISOLATIONS.slice(0, -1).join(', ')} or ${ISOLATIONS.at(-1) ?? ''} (default: ${d}): code in worker or context can write to the server's own stdout (fs.writeSync(1)), which is the JSON-RPC stream; ` +
        'use confined (Linux, bubblewrap: no network, no host files but cwd read-only, no host env) for model-written code',
    },
  },
  warm: { scope: 'sandbox', computeDefault: () => availableParallelism(), shownDefault: 'os.availableParallelism()', check: count(0, false) },
  concurrency: { scope: 'sandbox', computeDefault: () => availableParallelism(), shownDefault: 'os.availableParallelism()', check: count(1, false) },
  maxQueue: { scope: 'sandbox', default: Infinity, check: count(0, true) },
  memoryLimit: {
    scope: 'sandbox',
    default: undefined,
    check: megabytes,
    flag: { name: 'memory-limit', arg: '<MB>', fromText: numberFromText },
    cliHelp: () => 'V8 heap limit of the isolate, whole MB; beyond it: crashed (out-of-memory)',
    mcp: { help: () => 'V8 heap limit per isolate, whole MB' },
  },
  cwd: { scope: 'sandbox', computeDefault: () => process.cwd(), shownDefault: 'process.cwd()', check: directory },
  env: { scope: 'sandbox', default: undefined, shownDefault: 'a copy of process.env', check: environment },
  logger: { scope: 'sandbox', default: undefined, shownDefault: 'silent', check: logger },
  permissions: { scope: 'sandbox', default: undefined, check: permissions },
  confine: { scope: 'sandbox', default: undefined, shownDefault: "{ network: false } under 'confined'", check: confine },
} satisfies { readonly [K in keyof SandboxOptions]-?: OptionSpec<NonNullable<SandboxOptions[K]>> & { readonly scope: K extends keyof RunOptions ? 'run' : 'sandbox' } };

/** The MCP server's default `maxLength` is its `maxOutput` plus this: room for the value's text. */
export const MAX_LENGTH_OVER_OUTPUT = 20_000;

/** The MCP server's own options (also the bounds of `handleToolCall`'s options). */
export const SERVER_OPTIONS = {
  maxTimeout: {
    scope: 'server',
    default: Infinity,
    check: milliseconds,
    flag: { name: 'max-timeout', arg: '<ms>', fromText: numberFromText },
    mcp: { default: 120_000, help: (d) => `the largest timeout a call may ask for (default ${d})` },
  },
  maxLength: {
    scope: 'server',
    default: Infinity,
    check: count(0, true),
    flag: { name: 'max-length', arg: '<chars>', fromText: numberFromText },
    mcp: { shownDefault: `max-output + ${MAX_LENGTH_OVER_OUTPUT}`, help: (d) => `bound of the text returned to the model (default ${d})` },
  },
} satisfies Record<'maxTimeout' | 'maxLength', OptionSpec<number> & { readonly scope: 'server' }>;

/** Options of the library, the server and the tool helpers, by name. */
export type OptionName = keyof typeof OPTIONS | keyof typeof SERVER_OPTIONS;

/** Every option, by name. */
export const ALL_OPTIONS: { readonly [K in OptionName]: (typeof OPTIONS & typeof SERVER_OPTIONS)[K] } = { ...OPTIONS, ...SERVER_OPTIONS };

/** The default of an option as help texts show it. */
export function shownDefault(spec: OptionSpec, which: 'library' | 'mcp' = 'library'): string {
  if (which === 'mcp' && spec.mcp !== undefined) return spec.mcp.shownDefault ?? String(spec.mcp.default ?? spec.default);
  return spec.shownDefault ?? String(spec.default);
}

/**
 * Checks one option's value as the library does: the value to use, or the
 * library's TypeError. `label` names it in the message (default: its name);
 * `resolved` gives the options it depends on (`confine` reads `isolation` and `cwd`).
 */
export function checkOption<K extends OptionName>(
  name: K,
  value: unknown,
  label: string = name,
  resolved: Readonly<Record<string, unknown>> = {},
): ReturnType<(typeof ALL_OPTIONS)[K]['check']> {
  const spec: OptionSpec = ALL_OPTIONS[name];
  return spec.check(value, label, resolved) as ReturnType<(typeof ALL_OPTIONS)[K]['check']>;
}

const ENTRIES = Object.entries(OPTIONS) as readonly (readonly [keyof SandboxOptions, OptionSpec])[];
/** The names of the run options, as `run()` knows them. */
export const RUN_KEYS: readonly string[] = ENTRIES.filter(([, spec]) => spec.scope === 'run').map(([key]) => key);
/** The names of the options only a sandbox takes (`isolation`, `warm`…), not `run()`. */
export const SANDBOX_ONLY_KEYS: readonly string[] = ENTRIES.filter(([, spec]) => spec.scope === 'sandbox').map(([key]) => key);
/** The names of every {@link SandboxOptions} option. */
export const SANDBOX_KEYS: readonly string[] = ENTRIES.map(([key]) => key);

/** Defaults of every run, frozen. */
export const RUN_DEFAULTS: ResolvedRunOptions = Object.freeze(
  Object.fromEntries(ENTRIES.filter(([, spec]) => spec.scope === 'run').map(([key, spec]) => [key, spec.default])),
) as unknown as ResolvedRunOptions;

/** Edit distance of two short strings (for "did you mean"). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known name `key` was most likely meant to be (the nearest within 2 edits, case aside), for "did you mean"; the CLI's flags use it too. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  let best: { readonly name: string; readonly edits: number } | undefined;
  for (const name of known) {
    const edits = distance(key.toLowerCase(), name.toLowerCase());
    if (edits <= 2 && (best === undefined || edits < best.edits)) best = { name, edits };
  }
  return best?.name;
}

/**
 * Rejects an option this API does not know (a misspelt `timout` would
 * otherwise silently leave the default in force). Keys whose value is
 * `undefined` pass, so spreading partial objects stays easy.
 */
export function checkKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const guess = closestName(key, known);
    throw new TypeError(`Unknown option \`${key}\` for ${where}${guess === undefined ? '' : ` (did you mean \`${guess}\`?)`}; known options: ${known.join(', ')}`);
  }
}

/** Checks the code argument of `run()`. */
export function checkCode(code: unknown): string {
  if (typeof code !== 'string') fail('code', 'a string', code);
  return code;
}

/** The options of `scope` in `given`, checked, over `base` (a given value replaces the base one). */
function resolveScope(scope: 'run' | 'sandbox', given: Readonly<Record<string, unknown>>, base: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...base };
  for (const [key, spec] of ENTRIES) {
    if (spec.scope !== scope) continue;
    const value = given[key];
    if (value !== undefined) resolved[key] = spec.check(value, key, resolved);
    else if (!(key in base)) resolved[key] = spec.computeDefault === undefined ? spec.default : spec.computeDefault();
  }
  return resolved;
}

/**
 * Copies and validates run options over `defaults`. Throws a `TypeError`
 * naming the option and showing the value for any mistake.
 */
export function resolveRunOptions(options: RunOptions | undefined, defaults: ResolvedRunOptions): ResolvedRunOptions {
  if (options === undefined) return defaults;
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  for (const key of SANDBOX_ONLY_KEYS) {
    if ((options as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(`\`${key}\` is a sandbox option: pass it to createSandbox(), not to run()`);
    }
  }
  checkKnownKeys(options, RUN_KEYS, 'run()');
  return resolveScope('run', options as Record<string, unknown>, defaults as unknown as Record<string, unknown>) as unknown as ResolvedRunOptions;
}

/** `'confined'` with no `confine` given: no network, nothing but what it needs. */
const NO_CONFINE: ResolvedConfine = Object.freeze({ network: false, read: Object.freeze([]), write: Object.freeze([]) });

/** Copies and validates sandbox options, filling in every default. */
export function resolveSandboxOptions(options: SandboxOptions | undefined): ResolvedSandboxOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options', 'an object', options);
  const given = (options ?? {}) as Record<string, unknown>;
  checkKnownKeys(given, SANDBOX_KEYS, 'createSandbox()');
  const resolved = resolveScope('sandbox', given, {}) as unknown as Omit<ResolvedSandboxOptions, 'runDefaults'>;
  if (resolved.isolation === 'confined' && (unmountable(resolved.cwd) || unmountable(realpathSync(resolved.cwd)))) {
    throw new TypeError(
      `\`cwd\` '${resolved.cwd}' under isolation 'confined' would mount ${resolved.cwd === '/' ? 'the whole host' : "the host's own"} read-only: give a project directory (and \`confine.read\` for more)`,
    );
  }
  const sandbox = resolved.isolation === 'confined' && resolved.confine === undefined ? { ...resolved, confine: NO_CONFINE } : resolved;
  const runDefaults = resolveScope('run', given, RUN_DEFAULTS as unknown as Record<string, unknown>) as unknown as ResolvedRunOptions;
  return { ...sandbox, runDefaults };
}
