import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A dependency loaded on first use, with Node's CommonJS `require`.
 *
 * piscina, sucrase and acorn together take ~80 ms to import, most of a cold
 * first `run()`, and many programs need none of them ('worker' isolation,
 * plain JavaScript). Each ships a CommonJS build, so loading it synchronously
 * the first time it is needed keeps every call site synchronous.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
