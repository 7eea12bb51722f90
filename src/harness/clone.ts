import { inspect, types } from 'node:util';

/**
 * Makes a copy of `value` that the structured clone algorithm accepts, for
 * results that `postMessage` refused. Everything cloneable is copied as-is;
 * what is not — functions, symbols, weak collections, promises, proxies,
 * properties whose getters throw — is replaced by its `util.inspect` text.
 * Iterative, so a result nested 100 000 levels deep cannot overflow the stack.
 */
export function toCloneable(value: unknown): unknown {
  const copies = new Map<object, unknown>();
  const work: Array<() => void> = [];
  const copy = (input: unknown): unknown => {
    if (typeof input === 'symbol' || typeof input === 'function') return describe(input);
    if (typeof input !== 'object' || input === null) return input;
    const seen = copies.get(input);
    if (seen !== undefined) return seen;
    const out = shallow(input);
    copies.set(input, out.target);
    if (out.fill) work.push(out.fill);
    return out.target;
  };
  const shallow = (input: object): { target: unknown; fill?: () => void } => {
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
      return { target, fill: () => (input).forEach((v, k) => target.set(copy(k), copy(v))) };
    }
    if (types.isSet(input)) {
      const target = new Set<unknown>();
      return { target, fill: () => (input).forEach((v) => target.add(copy(v))) };
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
          (target as Record<string, unknown>)[key] = copy(property(input, key));
        }
      },
    };
  };
  const root = copy(value);
  for (let fill = work.pop(); fill !== undefined; fill = work.pop()) fill();
  return root;
}

function property(input: object, key: string): unknown {
  try {
    return (input as Record<string, unknown>)[key];
  } catch (error) {
    return `[getter threw: ${describe(error)}]`;
  }
}

function describe(input: unknown): string {
  try {
    return inspect(input);
  } catch {
    return '[uninspectable]';
  }
}
