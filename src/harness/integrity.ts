/**
 * A `'context'` pool worker runs many tasks; each task's code shares the
 * worker's main realm and module cache with the harness. A task that changed
 * what the harness (or the next task) relies on — `MessagePort.prototype`,
 * `vm.Script`, `util.inspect`, `Console.prototype`, a built-in prototype —
 * could forge every later task's report, so such a worker is retired.
 */

const ownKeys = Reflect.ownKeys;
const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const same = Object.is;

interface Recorded {
  readonly target: object;
  /** Own keys expected, or -1 when only some keys are watched. */
  readonly keys: number;
  readonly entries: ReadonlyArray<readonly [key: PropertyKey, value: unknown, get: unknown, set: unknown]>;
}

/** Keys that Node itself changes as a worker runs; not the code's doing. */
const VOLATILE = new Set<PropertyKey>(['_exiting', 'exitCode', '_events', '_eventsCount']);

/** An object and the keys of it that are watched; without `keys`, every own property is. */
export interface Watched {
  readonly target: object;
  readonly keys?: readonly PropertyKey[];
}

/**
 * Records the watched properties now; the returned check says whether each
 * is still the same (same keys, same values, same accessors). About a
 * microsecond per hundred properties per check.
 */
export function recordIntegrity(watched: readonly Watched[]): () => boolean {
  const recorded: Recorded[] = [];
  for (const entry of watched) {
    const { target } = entry;
    const partial = entry.keys !== undefined;
    const keys = entry.keys ?? ownKeys(target).filter((key) => !VOLATILE.has(key));
    const entries = keys.map((key) => {
      const descriptor = getOwnPropertyDescriptor(target, key);
      return [key, descriptor?.value, descriptor?.get, descriptor?.set] as const;
    });
    recorded.push({ target, keys: partial ? -1 : keys.length, entries });
  }
  return () => {
    for (let i = 0; i < recorded.length; i++) {
      const { target, keys, entries } = recorded[i] as Recorded;
      if (keys !== -1) {
        let count = 0;
        const now = ownKeys(target);
        for (let k = 0; k < now.length; k++) if (!VOLATILE.has(now[k] as PropertyKey)) count++;
        if (count !== keys) return false;
      }
      for (let e = 0; e < entries.length; e++) {
        const [key, value, get, set] = entries[e] as Recorded['entries'][number];
        const descriptor = getOwnPropertyDescriptor(target, key);
        if (descriptor === undefined || !same(descriptor.value, value) || descriptor.get !== get || descriptor.set !== set) return false;
      }
    }
    return true;
  };
}
