import { types } from 'node:util';
import { describe, property } from './safe.js';

/**
 * Nesting a host can always read back: V8's deserializer recurses per level,
 * and the host's main thread (~1 MB of stack) fails between 1 000 and 2 000
 * levels of plain objects (measured, Node 20). A worker (4 MB of stack)
 * serializes far deeper than the host reads; a `'process'` child, a main
 * thread too, fails to serialize past a few thousand levels.
 */
export const MAX_READABLE_DEPTH = 500;

/**
 * Makes a copy of `value` that the structured clone algorithm accepts, for
 * results that `postMessage` refused or the host could not read back.
 * Everything cloneable is copied as-is; what is not — functions, symbols,
 * weak collections, promises, proxies, properties whose getters throw — is
 * replaced by its `util.inspect` text, and so is anything nested deeper than
 * `maxDepth`. Errors keep name, message and stack (not `cause`: a cycle
 * through it is something V8 writes but cannot read). Iterative, so a result
 * nested 100 000 levels deep cannot overflow the stack.
 */
export function toCloneable(value: unknown, maxDepth = Infinity): unknown {
  const copies = new Map<object, unknown>();
  const work: Array<() => void> = [];
  const copy = (input: unknown, depth: number): unknown => {
    if (typeof input === 'symbol' || typeof input === 'function') return describe(input);
    if (typeof input !== 'object' || input === null) return input;
    const seen = copies.get(input);
    if (seen !== undefined) return seen;
    if (depth > maxDepth) return `[nested deeper than ${maxDepth} levels: ${describe(input, 0)}]`;
    const out = shallow(input, depth + 1);
    copies.set(input, out.target);
    if (out.fill) work.push(out.fill);
    return out.target;
  };
  const shallow = (input: object, depth: number): { target: unknown; fill?: () => void } => {
    if (types.isProxy(input) || types.isWeakMap(input) || types.isWeakSet(input) || types.isPromise(input)) {
      return { target: describe(input) };
    }
    if (types.isDate(input)) return { target: new Date(Date.prototype.getTime.call(input)) };
    if (types.isRegExp(input)) {
      const { source, flags } = input;
      return { target: new RegExp(source, flags) };
    }
    if (types.isAnyArrayBuffer(input) || types.isArrayBufferView(input) || types.isBoxedPrimitive(input)) {
      return { target: input };
    }
    if (types.isMap(input)) {
      const target = new Map<unknown, unknown>();
      return { target, fill: () => input.forEach((v, k) => target.set(copy(k, depth), copy(v, depth))) };
    }
    if (types.isSet(input)) {
      const target = new Set<unknown>();
      return { target, fill: () => input.forEach((v) => target.add(copy(v, depth))) };
    }
    if (types.isNativeError(input)) {
      const error = input;
      const target = new Error(String(property(error, 'message')));
      target.name = String(property(error, 'name'));
      target.stack = String(property(error, 'stack'));
      return { target };
    }
    const target: Record<string, unknown> | unknown[] = Array.isArray(input) ? [] : {};
    return {
      target,
      fill: () => {
        for (const key of Object.keys(input)) {
          (target as Record<string, unknown>)[key] = copy(property(input, key), depth);
        }
      },
    };
  };
  const root = copy(value, 0);
  for (let fill = work.pop(); fill !== undefined; fill = work.pop()) fill();
  return root;
}
