import { builtinModules, createRequire, Module } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ImportMetaResolve from 'import-meta-resolve';
import { promisify } from 'node:util';
import * as vm from 'node:vm';
import { WORKER_BOOT_NAME } from '../protocol.js';
import { isRefusedBuiltin, refusedModule } from './seal.js';

/** A vm context and how to release what the code left running in it. */
export interface SandboxContext {
  readonly context: vm.Context;
  /** Clears every timer the code started, so none fires into a later task. */
  readonly dispose: () => void;
}

/**
 * Builds the vm context a task runs in: a new realm (its own `Object`,
 * `Array`, `JSON`, prototypes…) that also offers every global a Node program
 * expects — `process`, `Buffer`, timers, `URL`, `fetch`, `structuredClone`… —
 * taken from this isolate's main realm, plus `console`, `require`, a fresh
 * CommonJS `module` and `exports`, and, as in the Node REPL, each built-in
 * module under its name (`fs`, `path`, `url`…), loaded on first read.
 */
export function createSandboxContext(options: {
  console: Console;
  cwd: string;
  trackTimers: boolean;
  /** The realm's `Error.prepareStackTrace` (user code may replace it). */
  formatStack: (error: unknown, frames: readonly NodeJS.CallSite[]) => string;
}): SandboxContext {
  const context = vm.createContext();
  const sandboxGlobal = vm.runInContext('globalThis', context) as Record<PropertyKey, unknown>;
  Reflect.defineProperty(sandboxGlobal.Error as object, 'prepareStackTrace', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: options.formatStack,
  });
  const hostGlobal = globalThis as unknown as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(globalThis)) {
    // The new realm's own intrinsics win; only what Node adds is copied over.
    if (key in sandboxGlobal) continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(globalThis, key);
    if (descriptor === undefined) continue;
    if (descriptor.get === undefined) {
      Reflect.defineProperty(sandboxGlobal, key, descriptor);
      continue;
    }
    // Node's lazy globals (fetch, crypto, navigator…) load on first read; keep
    // them lazy, and read them from the host global so their receiver checks pass.
    Reflect.defineProperty(sandboxGlobal, key, {
      configurable: true,
      enumerable: descriptor.enumerable ?? false,
      get: () => hostGlobal[key],
      set: (value: unknown) => {
        Reflect.defineProperty(sandboxGlobal, key, { configurable: true, enumerable: true, writable: true, value });
      },
    });
  }
  const define = (key: string, value: unknown): void => {
    Reflect.defineProperty(sandboxGlobal, key, { configurable: true, enumerable: false, writable: true, value });
  };
  define('global', sandboxGlobal);
  define('console', options.console);
  const filename = path.join(options.cwd, '<sandbox>');
  const require = createRequire(filename);
  define('require', require);
  // As in the REPL and every CommonJS file: `module.exports = …` and `exports.x = …` work (the
  // run's value is still its last expression's). A fresh module per context.
  const module = new Module(filename);
  module.filename = filename;
  module.paths = require.resolve.paths('x') ?? [];
  module.require = require as NodeJS.Module['require'];
  define('module', module);
  define('exports', module.exports);
  defineBuiltinModules(sandboxGlobal, require);
  if (!options.trackTimers) return { context, dispose: () => {} };
  const timers = trackedTimers();
  for (const [name, fn] of Object.entries(timers.globals)) define(name, fn);
  return { context, dispose: timers.clearAll };
}

/** The built-in modules the REPL offers as globals: not `_` internals, subpaths (`fs/promises`) or `node:`-only ones. */
const GLOBAL_BUILTINS = builtinModules.filter((name) => !name.startsWith('_') && !name.includes('/') && !name.includes(':'));

/**
 * As the Node REPL does (`addBuiltinLibsToObject`): each built-in module not
 * already a global becomes one — non-enumerable, loaded on first read through
 * the code's own `require` (so a module the isolate refuses is refused
 * there), and replaced outright by an assignment or a declaration
 * (`const path = require('path')` still works).
 */
function defineBuiltinModules(target: Record<PropertyKey, unknown>, load: (name: string) => unknown): void {
  for (const name of GLOBAL_BUILTINS) {
    if (Object.hasOwn(target, name)) continue;
    const replace = (value: unknown): void => {
      Reflect.defineProperty(target, name, { configurable: true, enumerable: true, writable: true, value });
    };
    Reflect.defineProperty(target, name, {
      configurable: true,
      enumerable: false,
      get: () => {
        const loaded = load(name);
        Reflect.defineProperty(target, name, { configurable: true, enumerable: false, get: () => loaded, set: replace });
        return loaded;
      },
      set: replace,
    });
  }
}

/**
 * Timer functions that remember what they started. A long-lived isolate runs
 * many tasks; clearing a finished task's timers keeps a forgotten
 * `setInterval` from printing into, or throwing into, the next one.
 */
// Taken at load: a task may replace its worker's global timer functions, and
// clearing the last task's timers must not run the code's replacement.
const { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate } = globalThis;

function trackedTimers(): { globals: Record<string, unknown>; clearAll: () => void } {
  const live = new Set<NodeJS.Timeout | NodeJS.Immediate>();
  const track = <A extends unknown[]>(start: (callback: (...args: A) => void, ...rest: never[]) => NodeJS.Timeout, once: boolean) => {
    const wrapper = (callback: (...args: A) => void, ...rest: never[]): NodeJS.Timeout => {
      const handle: NodeJS.Timeout = start(
        once
          ? (...args: A) => {
              live.delete(handle);
              callback(...args);
            }
          : callback,
        ...rest,
      );
      live.add(handle);
      return handle;
    };
    // util.promisify(setTimeout) keeps working.
    return Object.assign(wrapper, { [promisify.custom]: (start as unknown as Record<symbol, unknown>)[promisify.custom] });
  };
  const untrack = (stop: (handle: never) => void) => (handle: never): void => {
    live.delete(handle);
    stop(handle);
  };
  return {
    globals: {
      setTimeout: track(setTimeout as never, true),
      setInterval: track(setInterval as never, false),
      setImmediate: track(setImmediate as never, true),
      clearTimeout: untrack(clearTimeout),
      clearInterval: untrack(clearInterval),
      clearImmediate: untrack(clearImmediate),
    },
    clearAll: () => {
      for (const handle of live) {
        clearTimeout(handle as NodeJS.Timeout);
        clearImmediate(handle as NodeJS.Immediate);
      }
      live.clear();
    },
  };
}

let resolveModule: ((specifier: string, parent: string) => string) | undefined;

/** Node's own `import()`, as this bundle has it. */
const nativeImport = (specifier: string): Promise<unknown> => import(specifier);

/**
 * `import()` for sandboxed code: Node built-ins directly, anything else
 * resolved with Node's ESM algorithm from the sandbox's `cwd`, so packages
 * installed there load as they would from a file in that directory.
 * @param load - how the harness itself imports: a worker's bundle, compiled
 *   from V8's code cache, cannot use its own `import()` (Node then finds no
 *   callback for it: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so its boot
 *   script lends it one.
 */
export function createDynamicImport(cwd: string, harnessFile: string, load: (specifier: string) => Promise<unknown> = nativeImport): (specifier: string) => Promise<unknown> {
  const parentURL = pathToFileURL(path.join(cwd, '<sandbox>')).href;
  return async (specifier) => {
    if (isRefusedBuiltin(specifier)) throw refusedModule(specifier);
    if (specifier.startsWith('node:')) return load(specifier);
    // import-meta-resolve is ESM-only: load it on first use, not at boot.
    resolveModule ??= ((await load('import-meta-resolve')) as typeof ImportMetaResolve).resolve;
    const resolved = resolveModule(specifier, parentURL);
    if (isRefusedBuiltin(resolved)) throw refusedModule(specifier);
    try {
      return await load(resolved);
    } catch (error) {
      // Node names the importing file, which is the harness: name the code's own place instead.
      throw asImportedFrom(error, [harnessFile, path.join(path.dirname(harnessFile), WORKER_BOOT_NAME)], path.join(cwd, '<sandbox>'));
    }
  };
}

/**
 * `error` with the harness files' paths (and URLs) in its message and stack
 * replaced by `importer` (a worker's `import()` runs from its boot script).
 */
function asImportedFrom(error: unknown, harnessFiles: readonly string[], importer: string): unknown {
  if (!(error instanceof Error)) return error;
  const harness = harnessFiles.flatMap((file) => [pathToFileURL(file).href, file]);
  const rename = (text: string): string => harness.reduce((result, name) => result.split(name).join(importer), text);
  try {
    error.message = rename(error.message);
    if (typeof error.stack === 'string') error.stack = rename(error.stack);
  } catch {
    // A frozen error keeps its words.
  }
  return error;
}
