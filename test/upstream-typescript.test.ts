import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunResult } from 'repl-sandbox';
import { useSandbox } from './helpers.js';

/**
 * Node's own TypeScript strip-types fixtures (nodejs/node
 * test/fixtures/typescript/ts/, the files test/es-module/test-typescript.mjs
 * runs; MIT), ported as data: the self-contained programs among them, each
 * with what Node 24 printed running it as a file with type stripping (its
 * stdout, or the error it died of), computed by
 * scripts/upstream/compute-typescript-reference.mjs.
 */
type Outcome = { readonly output: string } | { readonly error: { readonly name: string; readonly message: string } } | { readonly other: unknown };

interface Fixture {
  readonly source: string;
  readonly referenceNode: string;
  readonly cases: readonly { readonly name: string; readonly input: string; readonly expected: Outcome }[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly knownDifferences: readonly {
    readonly name: string;
    readonly node: Outcome;
    readonly ours: Outcome;
    readonly reason: string;
    /** The difference is the host Node's, seen below this major only (measured on 20 and 24): from it on, the case is as Node. */
    readonly hostNodeBelow?: number;
  }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/upstream/typescript-strip.json', import.meta.url), 'utf8')) as Fixture;
const known = new Map(fixture.knownDifferences.map((difference) => [difference.name, difference]));

/** What a run gave, in the fixture's shape: Node's stdout for a program that ran, its error for one that threw. */
function outcome(result: RunResult): Outcome {
  if (result.ok) return { output: result.output };
  if (result.error.type === 'exception') return { error: { name: result.error.name, message: result.error.message } };
  return { other: result.error };
}

describe(`Node's TypeScript strip-types fixtures (reference: Node ${fixture.referenceNode})`, () => {
  // A sandbox per case: each fixture is a program of its own, run by Node as
  // a file of its own. (Porting these found a run after one with a static
  // `import` timing out in a shared 'context' sandbox: fixed, and tested in
  // test/context.test.ts.)
  const sandboxFor = (): ((input: string) => Promise<RunResult>) => {
    const sandbox = useSandbox({ isolation: 'context', warm: 0 });
    return (input) => sandbox.run(input, { language: 'ts' });
  };

  it('every known difference names a ported case, with the reference value recorded for it', () => {
    for (const difference of fixture.knownDifferences) {
      expect(fixture.cases.find((c) => c.name === difference.name)?.expected).toEqual(difference.node);
    }
  });

  for (const { name, input, expected } of fixture.cases.filter((c) => !known.has(c.name))) {
    const run = sandboxFor();
    it(`as Node: ${name}`, async () => {
      expect(outcome(await run(input))).toEqual(expected);
    });
  }

  // These still differ from Node: each asserts our current value, so a change
  // (say, a fix) fails here and the entry moves out of knownDifferences.
  const hostMajor = Number(process.versions.node.split('.')[0]);
  for (const { name, node, ours, reason, hostNodeBelow } of fixture.knownDifferences) {
    const run = sandboxFor();
    const input = fixture.cases.find((c) => c.name === name)?.input ?? '';
    if (hostNodeBelow !== undefined && hostMajor >= hostNodeBelow) {
      it(`as Node on Node ${hostMajor}: ${name}`, async () => {
        expect(outcome(await run(input))).toEqual(node);
      });
      continue;
    }
    it(`known difference: ${name} (${reason})`, async () => {
      const actual = outcome(await run(input));
      expect(actual).toEqual(ours);
      expect(actual).not.toEqual(node);
    });
  }
});
