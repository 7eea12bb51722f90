import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunResult } from 'repl-sandbox';
import { useSandbox } from './helpers.js';

/**
 * Node's own REPL top-level-await tables (nodejs/node, MIT), ported as data:
 * the inputs of test/parallel/test-repl-preprocess-top-level-await.js and the
 * self-contained lines of test/parallel/test-repl-top-level-await.js, each
 * with the value Node 20's real REPL gives for it, computed by
 * scripts/upstream/compute-repl-reference.mjs.
 */
type Outcome = { readonly inspected: string } | { readonly error: { readonly name: string; readonly message: string } } | { readonly other: unknown };

interface Fixture {
  readonly source: string;
  readonly referenceNode: string;
  readonly cases: readonly { readonly input: string; readonly expected: Outcome }[];
  readonly skipped: readonly { readonly input: string; readonly reason: string }[];
  readonly knownDifferences: readonly { readonly input: string; readonly node: Outcome; readonly ours: Outcome; readonly reason: string }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/upstream/repl-top-level-await.json', import.meta.url), 'utf8')) as Fixture;
const known = new Map(fixture.knownDifferences.map((difference) => [difference.input, difference]));

/** What a run gave, in the fixture's shape. */
function outcome(result: RunResult): Outcome {
  if (result.ok) return { inspected: result.inspected };
  if (result.error.type === 'exception') return { error: { name: result.error.name, message: result.error.message } };
  return { other: result.error };
}

describe(`Node's REPL top-level-await table (reference: Node ${fixture.referenceNode})`, () => {
  const sandbox = useSandbox({ isolation: 'context' });

  it('every known difference names a ported case, with the reference value recorded for it', () => {
    for (const difference of fixture.knownDifferences) {
      expect(fixture.cases.find((c) => c.input === difference.input)?.expected).toEqual(difference.node);
    }
  });

  for (const { input, expected } of fixture.cases.filter((c) => !known.has(c.input))) {
    it(`as Node's REPL: ${JSON.stringify(input)}`, async () => {
      expect(outcome(await sandbox.run(input))).toEqual(expected);
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
