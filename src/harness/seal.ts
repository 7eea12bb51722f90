/**
 * Closes the ways a thread isolate (`'worker'`, `'context'`) could speak to
 * the host other than through the harness's own keyed port. The code shares
 * this thread with the harness, so whatever the thread can post on, the code
 * can find: a forged message on Node's internal worker port makes the host
 * throw in Node's own code (`Unknown worker message type`), and a flood on
 * any port grows the host's queue without bound.
 */
import { createRequire } from 'node:module';
import { MessagePort, parentPort } from 'node:worker_threads';

/** Modules that reach into other threads: `inspector`'s `Session.connectToMainThread` evaluates code in the host. */
const REFUSED_BUILTINS = new Set(['inspector', 'inspector/promises']);

/** The error the code gets for a refused module. */
export function refusedModule(name: string): Error {
  const error = new Error(`The '${name}' module is not available in this sandbox: it reaches into the host's thread`) as Error & { code: string };
  error.code = 'ERR_SANDBOX_REFUSED_MODULE';
  return error;
}

/** Set by {@link sealThread}: a `'process'` isolate refuses nothing (its inspector reaches only itself). */
let sealed = false;

/** Whether `specifier` names a built-in module the code may not load in this isolate. */
export function isRefusedBuiltin(specifier: string): boolean {
  return sealed && REFUSED_BUILTINS.has(specifier.startsWith('node:') ? specifier.slice(5) : specifier);
}

/**
 * Seals this thread at boot.
 * @param harnessFile - for a `require` of this thread's module system.
 * @param closeParentPort - the Worker's public port (`parentPort`): nothing of
 *   ours uses it in a single-use worker. piscina uses it once, at start-up,
 *   and closes it through {@link closeParentPort} after that.
 */
export function sealThread(harnessFile: string, closeParentPortNow: boolean): void {
  sealed = true;
  if (closeParentPortNow) closeParentPort();
  muteStdioPorts();
  hidePorts();
  refuseBuiltins(harnessFile);
}

/** A closed port drops what is posted on it, even through `MessagePort.prototype.postMessage.call`. */
export function closeParentPort(): void {
  parentPort?.close();
}

/**
 * In a worker, `process.stdout`, `stderr` and `stdin` hold Node's internal
 * port to the host under a symbol (`kPort`): replace it with a port to
 * nowhere. Our captured streams never use it.
 */
function muteStdioPorts(): void {
  const nowhere = { postMessage(): void {}, on(): void {}, once(): void {}, ref(): void {}, unref(): void {} };
  for (const stream of [process.stdin, process.stdout, process.stderr]) {
    for (const symbol of Object.getOwnPropertySymbols(stream)) {
      if (symbol.description !== 'kPort') continue;
      Reflect.defineProperty(stream, symbol, { value: nowhere, writable: false, configurable: false, enumerable: false });
    }
  }
}

/** `process._getActiveHandles()` lists the thread's ref'd ports (piscina's, ours): leave them out. */
function hidePorts(): void {
  const original = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof original !== 'function') return;
  // Captured: the code may replace Array.prototype.filter of this realm.
  const filter = Function.prototype.call.bind(Array.prototype.filter) as (list: unknown[], keep: (item: unknown) => boolean) => unknown[];
  Reflect.defineProperty(process, '_getActiveHandles', {
    configurable: false,
    writable: false,
    value: function _getActiveHandles(): unknown[] {
      return filter(Reflect.apply<object, [], unknown[]>(original, process, []), (handle) => !(handle instanceof MessagePort));
    },
  });
}

/** `require('inspector')` (and `process.binding('inspector')`) throw. */
function refuseBuiltins(harnessFile: string): void {
  const Module = createRequire(harnessFile)('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  Reflect.defineProperty(Module, '_load', {
    configurable: false,
    writable: false,
    value: function _load(this: unknown, request: string, ...rest: unknown[]): unknown {
      if (typeof request === 'string' && isRefusedBuiltin(request)) throw refusedModule(request);
      return Reflect.apply(load, this, [request, ...rest]);
    },
  });
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding === 'function') {
    Reflect.defineProperty(process, 'binding', {
      configurable: false,
      writable: false,
      value: function bindingOf(name: string): unknown {
        if (name === 'inspector') throw refusedModule(name);
        return Reflect.apply(binding, process, [name]);
      },
    });
  }
}
