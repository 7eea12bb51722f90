/** The trivial snippet every engine evaluates: one line of output and a value. */
export const TRIVIAL_SNIPPET = 'console.log("x"); 6 * 7';

/** Throws unless an engine's answer to {@link TRIVIAL_SNIPPET} is right: a benchmark of failures measures nothing. */
export function checkTrivial(engine: string, output: string, result: unknown): void {
  if (output !== 'x\n' || result !== 42) {
    throw new Error(`${engine}: wrong answer: output ${JSON.stringify(output)}, result ${String(result)}`);
  }
}
