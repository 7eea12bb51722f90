import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';

/**
 * Builds the vm context a task runs in: a new realm (its own `Object`,
 * `Array`, `JSON`, prototypes…) that also offers every global a Node program
 * expects — `process`, `Buffer`, timers, `URL`, `fetch`, `structuredClone`… —
 * taken from this isolate's main realm, plus `console` and `require`.
 */
export function createSandboxContext(options: { console: Console; cwd: string }): vm.Context {
  const context = vm.createContext();
  const sandboxGlobal = vm.runInContext('globalThis', context) as Record<PropertyKey, unknown>;
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
  const requireFromCwd = createRequire(path.join(options.cwd, '<sandbox>'));
  const define = (key: string, value: unknown): void => {
    Reflect.defineProperty(sandboxGlobal, key, { configurable: true, enumerable: false, writable: true, value });
  };
  define('global', sandboxGlobal);
  define('console', options.console);
  define('require', requireFromCwd);
  return context;
}

let resolveModule: ((specifier: string, parent: string) => string) | undefined;

/**
 * `import()` for sandboxed code: Node built-ins directly, anything else
 * resolved with Node's ESM algorithm from the sandbox's `cwd`, so packages
 * installed there load as they would from a file in that directory.
 */
export function createDynamicImport(cwd: string): (specifier: string) => Promise<unknown> {
  const parentURL = pathToFileURL(path.join(cwd, '<sandbox>')).href;
  return async (specifier) => {
    if (specifier.startsWith('node:')) return (await import(specifier)) as unknown;
    // import-meta-resolve is ESM-only: load it on first use, not at boot.
    resolveModule ??= (await import('import-meta-resolve')).resolve;
    return (await import(resolveModule(specifier, parentURL))) as unknown;
  };
}
