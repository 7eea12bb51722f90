// What every compute-*-reference.mjs script shares: the fixture as last
// written (its knownDifferences describe this library, not Node, and are kept
// by hand) and how the new one is emitted.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The fixture at `file` as last written, or {} when there is none yet. */
export function previousFixture(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/**
 * Writes `fixture` to `file` with --write (then prints `summary` to stderr),
 * else prints it on stdout; then exits, so that nothing the evaluated code
 * left behind (a timer, a pending promise) holds the process.
 */
export function emitFixture(file, fixture, summary) {
  const text = `${JSON.stringify(fixture, null, 2)}\n`;
  if (process.argv.includes('--write')) {
    writeFileSync(file, text);
    console.error(summary);
    process.exit(0);
  }
  // Exit only once the text is out: a pipe takes it asynchronously.
  process.stdout.write(text, () => process.exit(0));
}
