import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunResult } from 'repl-sandbox';
import { useSandbox } from './helpers.js';

/**
 * Node's own REPL tests (nodejs/node, MIT) for classic (non-await) completion
 * values, ported as data: the self-contained inputs of
 * test/parallel/test-repl.js and of the smaller test-repl-*.js files, plus
 * cases added for the completion-value rules those tests only imply (`from:
 * "added"`), each with what Node 20's real REPL prints for it, computed by
 * scripts/upstream/compute-repl-completion-reference.mjs.
 */
type Outcome = { readonly inspected: string } | { readonly error: { readonly name: string; readonly message: string } } | { readonly other: unknown };

interface Fixture {
  readonly source: string;
  readonly referenceNode: string;
  readonly cases: readonly { readonly input: string; readonly from: string; readonly expected: Outcome }[];
  readonly skipped: readonly { readonly input: string; readonly reason: string }[];
  readonly knownDifferences: readonly { readonly input: string; readonly node: Outcome; readonly ours: Outcome; readonly reason: string }[];
  /** Per other Node version: the cases its REPL prints otherwise than the reference's. */
  readonly otherHosts: Readonly<Record<string, readonly { readonly input: string; readonly expected: Outcome }[]>>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/upstream/repl-completion.json', import.meta.url), 'utf8')) as Fixture;
const known = new Map(fixture.knownDifferences.map((difference) => [difference.input, difference]));

/** On a host of another major than the reference's, that major's REPL values where they differ (V8's wording, console methods). */
const major = (version: string): string => version.replace(/^v/, '').split('.')[0] ?? version;
const hostEntries = Object.entries(fixture.otherHosts).find(([version]) => major(version) === major(process.version))?.[1] ?? [];
const hostExpected = new Map(hostEntries.map((entry) => [entry.input, entry.expected]));

/**
 * What a run gave, in the fixture's shape. `require` and `import` resolve from
 * the sandbox's `cwd` (here the test's), which their messages name: it is
 * written `<cwd>` in the fixture.
 */
function outcome(result: RunResult): Outcome {
  if (result.ok) return { inspected: result.inspected };
  if (result.error.type === 'exception') {
    return { error: { name: result.error.name, message: result.error.message.replaceAll(process.cwd(), '<cwd>') } };
  }
  return { other: result.error };
}

describe(`Node's REPL completion values (reference: Node ${fixture.referenceNode})`, () => {
  const sandbox = useSandbox({ isolation: 'context' });

  it('every known difference names a ported case, with the reference value recorded for it', () => {
    for (const difference of fixture.knownDifferences) {
      expect(fixture.cases.find((c) => c.input === difference.input)?.expected).toEqual(difference.node);
    }
  });

  it('every other host\'s entry names a ported case that is not a known difference', () => {
    for (const entry of Object.values(fixture.otherHosts).flat()) {
      expect(fixture.cases.some((c) => c.input === entry.input) && !known.has(entry.input)).toBe(true);
    }
  });

  for (const { input, from, expected } of fixture.cases.filter((c) => !known.has(c.input))) {
    it(`as Node's REPL (${from}): ${JSON.stringify(input)}`, async () => {
      expect(outcome(await sandbox.run(input))).toEqual(hostExpected.get(input) ?? expected);
    });
  }

  // These still differ from Node: each asserts our current value, so a change
  // (say, a fix) fails here and the entry moves out of knownDifferences.
  for (const { input, node, ours, reason } of fixture.knownDifferences) {
    it(`known difference: ${JSON.stringify(input)} (${reason})`, async () => {
      const actual = outcome(await sandbox.run(input));
      expect(actual).toEqual(ours);
      expect(actual).not.toEqual(node);
    });
  }
});
