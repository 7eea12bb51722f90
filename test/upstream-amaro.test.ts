import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunResult } from 'repl-sandbox';
import { useSandbox } from './helpers.js';

/**
 * amaro's own tests (nodejs/amaro test/, MIT; amaro is the type stripper Node
 * ships and this library uses), ported as data: the TypeScript each test
 * hands to `transformSync`, and the programs test/loader.test.js runs, each
 * with what Node 24 does with it, computed by
 * scripts/upstream/compute-amaro-reference.mjs. amaro's tests compare the
 * stripped text with snapshots; these compare behaviour: a snippet's last
 * value (as `util.inspect` prints it) and what it printed, or the name of the
 * error it failed with; a program run as a file (`runAs: 'file'`), what it
 * printed. Error messages are not compared (they come from different parsers).
 *
 * Node's strip-only mode is the reference, except for cases with `mode:
 * 'transform'` (an enum, a parameter property): strip-only refuses those, this
 * library runs them on purpose, so they are held to Node's transform mode.
 */
type Outcome =
  | { readonly inspected: string; readonly output: string }
  | { readonly output: string }
  | { readonly error: string; readonly output: string }
  | { readonly other: unknown };

interface Case {
  readonly name: string;
  readonly runAs?: 'file';
  readonly mode?: 'transform';
  readonly input: string;
  readonly expected: Outcome;
}

interface Fixture {
  readonly source: string;
  readonly referenceNode: string;
  readonly cases: readonly Case[];
  readonly skipped: readonly { readonly test: string; readonly reason: string }[];
  readonly knownDifferences: readonly { readonly name: string; readonly node: Outcome; readonly ours: Outcome; readonly reason: string }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/upstream/amaro.json', import.meta.url), 'utf8')) as Fixture;
const known = new Map(fixture.knownDifferences.map((difference) => [difference.name, difference]));

/** What a run gave, in the fixture's shape. */
function outcome(result: RunResult, runAs: Case['runAs']): Outcome {
  if (!result.ok) {
    if (result.error.type === 'exception') return { error: result.error.name, output: result.output };
    return { other: result.error };
  }
  return runAs === 'file' ? { output: result.output } : { inspected: result.inspected, output: result.output };
}

describe(`amaro's tests (reference: Node ${fixture.referenceNode})`, () => {
  // Each run gets a context of its own, as each input gets a REPL (or a process) of its own in the reference.
  const sandbox = useSandbox({ isolation: 'context' });
  const run = async ({ input, runAs }: Case): Promise<Outcome> => outcome(await sandbox.run(input, { language: 'ts' }), runAs);

  it('every known difference names a ported case, with the reference value recorded for it', () => {
    for (const difference of fixture.knownDifferences) {
      expect(fixture.cases.find((c) => c.name === difference.name)?.expected).toEqual(difference.node);
    }
  });

  for (const c of fixture.cases.filter((c) => !known.has(c.name))) {
    it(`as Node${c.mode === 'transform' ? ' (transform mode)' : ''}: ${c.name}`, async () => {
      expect(await run(c)).toEqual(c.expected);
    });
  }

  // These still differ from Node: each asserts our current value, so a change
  // (say, a fix) fails here and the entry moves out of knownDifferences.
  for (const { name, node, ours, reason } of fixture.knownDifferences) {
    const c = fixture.cases.find((candidate) => candidate.name === name);
    if (c === undefined) continue; // the first test fails for it
    it(`known difference: ${name} (${reason})`, async () => {
      const actual = await run(c);
      expect(actual).toEqual(ours);
      expect(actual).not.toEqual(node);
    });
  }
});
