import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import type { Logger } from 'pino';

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
   * Bytes of UTF-8 output kept. Past the cap the output is cut on a character
   * boundary and the seed's note is appended, e.g.
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
export type Isolation = 'context' | 'worker' | 'process';

/** Options of a {@link Sandbox}. The {@link RunOptions} among them are defaults for every run. */
export interface SandboxOptions extends RunOptions {
  /**
   * What is fresh for every evaluation. `'worker'`: a new Worker (V8 isolate
   * and Node environment) with its own vm context.
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
  /** Megabytes of V8 heap per isolate. Exceeding it resolves `crashed` / `out-of-memory`. */
  readonly memoryLimit?: number;
  /**
   * Directory `require()` and `import()` resolve from.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * The isolate's `process.env`.
   * @default a copy of the host's `process.env`
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Any pino-compatible logger. Silent by default. */
  readonly logger?: Logger;
  /**
   * `isolation: 'process'` only: run the child under Node's permission model
   * (`--permission`; `--experimental-permission` before Node 22.13). The code
   * cannot spawn processes or start workers, reads only `allowRead` (default:
   * all) and writes only `allowWrite` (default: nowhere). Relative paths are
   * resolved against `cwd`. Symbolic links inside an allowed directory are
   * followed wherever they point. Network access is NOT restricted.
   */
  readonly permissions?: PermissionProfile;
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
  readonly memoryLimit: number | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly logger: Logger | undefined;
  readonly permissions: PermissionProfile | undefined;
  readonly runDefaults: ResolvedRunOptions;
}

/** Defaults of every run, frozen. */
export const RUN_DEFAULTS: ResolvedRunOptions = Object.freeze({
  timeout: 60_000,
  maxOutput: 50_000,
  setup: Object.freeze([]),
  language: undefined,
  onOutput: undefined,
  signal: undefined,
  filename: '<sandbox>',
});

const SANDBOX_ONLY_KEYS = ['isolation', 'warm', 'concurrency', 'maxQueue', 'memoryLimit', 'cwd', 'env', 'logger', 'permissions'];
const RUN_KEYS = ['timeout', 'maxOutput', 'setup', 'language', 'onOutput', 'signal', 'filename'];
const SANDBOX_KEYS = [...RUN_KEYS, ...SANDBOX_ONLY_KEYS];
const ISOLATIONS: readonly Isolation[] = ['context', 'worker', 'process'];

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

/**
 * Rejects an option this API does not know (a misspelt `timout` would
 * otherwise silently leave the default in force). Keys whose value is
 * `undefined` pass, so spreading partial objects stays easy.
 */
function checkKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const guess = known.find((candidate) => distance(key.toLowerCase(), candidate.toLowerCase()) <= 2);
    throw new TypeError(`Unknown option \`${key}\` for ${where}${guess === undefined ? '' : ` (did you mean \`${guess}\`?)`}; known options: ${known.join(', ')}`);
  }
}

/** `\`-1\` (number)`: how a received value is shown in validation messages. */
function shown(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${inspect(value, { depth: 1, breakLength: Infinity })}\` (${type})`;
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${shown(value)}`);
}

function checkMilliseconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    fail(name, 'a non-negative number of milliseconds or Infinity', value);
  }
  return value;
}

function checkCount(name: string, value: unknown, min: number, allowInfinity: boolean): number {
  const ok =
    typeof value === 'number' && value >= min && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (!ok) fail(name, `an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}`, value);
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

/** Checks the code argument of `run()`. */
export function checkCode(code: unknown): string {
  if (typeof code !== 'string') fail('code', 'a string', code);
  return code;
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
  return readRunOptions(options, defaults);
}

function readRunOptions(options: RunOptions, defaults: ResolvedRunOptions): ResolvedRunOptions {
  const { timeout, maxOutput, setup, language, onOutput, signal, filename } = options;
  let setupList = defaults.setup;
  if (setup !== undefined) {
    const list: readonly unknown[] = typeof setup === 'string' ? [setup] : Array.isArray(setup) ? setup : fail('setup', 'a string or an array of strings', setup);
    list.forEach((item, i) => {
      if (typeof item !== 'string') fail(`setup[${i}]`, 'a string', item);
    });
    setupList = Object.freeze([...(list as string[])]);
  }
  if (language !== undefined && language !== 'js' && language !== 'ts') fail('language', "'js' or 'ts'", language);
  if (onOutput !== undefined && typeof onOutput !== 'function') fail('onOutput', 'a function', onOutput);
  if (signal !== undefined && !isAbortSignal(signal)) fail('signal', 'an AbortSignal', signal);
  if (filename !== undefined && (typeof filename !== 'string' || filename === '' || /[\n\r]/.test(filename))) {
    fail('filename', 'a non-empty single-line string', filename);
  }
  return {
    timeout: timeout === undefined ? defaults.timeout : checkMilliseconds('timeout', timeout),
    maxOutput: maxOutput === undefined ? defaults.maxOutput : checkCount('maxOutput', maxOutput, 0, true),
    setup: setupList,
    language: language ?? defaults.language,
    onOutput: onOutput ?? defaults.onOutput,
    signal: signal ?? defaults.signal,
    filename: filename ?? defaults.filename,
  };
}

/** Validates a permission profile and copies it with every path absolute (relative ones resolved against `cwd`). */
function resolvePermissions(permissions: unknown, isolation: Isolation, cwd: string): PermissionProfile {
  if (typeof permissions !== 'object' || permissions === null) fail('permissions', 'an object', permissions);
  if (isolation !== 'process') {
    throw new TypeError(`\`permissions\` needs \`isolation: 'process'\` (Node's permission model is per process), got isolation '${isolation}'`);
  }
  const { allowRead, allowWrite } = permissions as PermissionProfile;
  const isPathList = (value: unknown): value is readonly string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '' && !item.includes('\0'));
  // '*' stays Node's "everything"; anything else becomes absolute, as the isolate's own cwd would make it.
  const absolute = (paths: readonly string[]): readonly string[] => Object.freeze(paths.map((p) => (p === '*' ? p : path.resolve(cwd, p))));
  if (allowRead !== undefined && allowRead !== '*' && !isPathList(allowRead)) fail('permissions.allowRead', "'*' or an array of paths", allowRead);
  if (allowWrite !== undefined && !isPathList(allowWrite)) fail('permissions.allowWrite', 'an array of paths', allowWrite);
  return Object.freeze({
    ...(allowRead === undefined ? {} : { allowRead: allowRead === '*' ? allowRead : absolute(allowRead) }),
    ...(allowWrite === undefined ? {} : { allowWrite: absolute(allowWrite) }),
  });
}

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['child', 'debug', 'info', 'warn', 'error'].every((method) => typeof candidate[method] === 'function');
}

/** Copies and validates sandbox options, filling in every default. */
export function resolveSandboxOptions(options: SandboxOptions | undefined): ResolvedSandboxOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options', 'an object', options);
  const given = options ?? {};
  checkKnownKeys(given, SANDBOX_KEYS, 'createSandbox()');
  const { isolation = 'worker', warm, concurrency, maxQueue, memoryLimit, cwd, env, logger, permissions } = given;
  if (!ISOLATIONS.includes(isolation)) fail('isolation', "'context', 'worker' or 'process'", isolation);
  if (memoryLimit !== undefined && (typeof memoryLimit !== 'number' || !(memoryLimit > 0) || memoryLimit === Infinity)) {
    fail('memoryLimit', 'a positive number of megabytes', memoryLimit);
  }
  if (cwd !== undefined) {
    if (typeof cwd !== 'string' || cwd === '') fail('cwd', 'a directory path', cwd);
    if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) fail('cwd', 'an existing directory', cwd);
  }
  if (env !== undefined) {
    if (typeof env !== 'object' || env === null || Array.isArray(env)) fail('env', 'an object of strings', env);
    for (const [key, value] of Object.entries(env)) {
      if (value !== undefined && typeof value !== 'string') fail(`env.${key}`, 'a string or undefined', value);
    }
  }
  if (logger !== undefined && !isLogger(logger)) fail('logger', 'a pino-compatible logger (child, debug, info, warn, error)', logger);
  const resolvedCwd = cwd ?? process.cwd();
  const profile = permissions === undefined ? undefined : resolvePermissions(permissions, isolation, resolvedCwd);
  const cores = availableParallelism();
  return {
    isolation,
    warm: warm === undefined ? cores : checkCount('warm', warm, 0, false),
    concurrency: concurrency === undefined ? cores : checkCount('concurrency', concurrency, 1, false),
    maxQueue: maxQueue === undefined ? Infinity : checkCount('maxQueue', maxQueue, 0, true),
    memoryLimit,
    cwd: resolvedCwd,
    env: env === undefined ? undefined : { ...env },
    logger,
    permissions: profile,
    runDefaults: readRunOptions(given, RUN_DEFAULTS),
  };
}
