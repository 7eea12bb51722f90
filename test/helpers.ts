import { afterAll } from 'vitest';
import { type ConfineOptions, ConfinementUnavailableError, createSandbox, type Isolation, type RunFailure, type RunResult, type RunSuccess, type Sandbox, type SandboxOptions } from 'repl-sandbox';

/**
 * Whether `'confined'` can run here (bubblewrap installed, namespaces
 * allowed). Where it cannot, its tests are skipped with one line saying why;
 * under `CI=true` they never are (CI installs bubblewrap).
 */
export const CONFINED_AVAILABLE: boolean = (() => {
  try {
    void createSandbox({ isolation: 'confined', warm: 0 }).close();
    return true;
  } catch (error) {
    if (!(error instanceof ConfinementUnavailableError) || process.env['CI'] === 'true') throw error;
    console.warn(`[repl-sandbox tests] 'confined' tests skipped: ${error.message}`);
    return false;
  }
})();

/** The isolation levels every behaviour test runs against. */
export const LEVELS = CONFINED_AVAILABLE ? (['worker', 'context', 'process', 'confined'] as const) : (['worker', 'context', 'process'] as const);

/**
 * Whether `isolation` runs the code in a child process of its own: `'process'`,
 * and `'confined'`, which is the same child (same harness, same report pipe)
 * started by bubblewrap. Behaviour that follows from being a child process is
 * the same in both.
 */
export function inChildProcess(isolation: Isolation): boolean {
  return isolation === 'process' || isolation === 'confined';
}

/**
 * `{ confine }` for a `'confined'` sandbox, nothing for the other levels
 * (which reject the option): the host paths a test's code must reach, e.g.
 * `confineFor(isolation, { write: [dir] })` for a host temp directory the
 * code writes into.
 */
export function confineFor(isolation: Isolation, confine: ConfineOptions): { confine?: ConfineOptions } {
  return isolation === 'confined' ? { confine } : {};
}

/** A sandbox closed after the file's tests. */
export function useSandbox(options?: SandboxOptions): Sandbox {
  const sandbox = createSandbox(options);
  afterAll(() => sandbox.close());
  return sandbox;
}

/** Narrows to a success, failing with the whole result otherwise. */
export function expectOk(result: RunResult): RunSuccess {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error, null, 2)}\noutput: ${result.output}`);
  return result;
}

/** Narrows to a failure of `type`, failing with the whole result otherwise. */
export function expectError<T extends RunFailure['error']['type']>(
  result: RunResult,
  type: T,
): RunFailure & { error: Extract<RunFailure['error'], { type: T }> } {
  if (result.ok || result.error.type !== type) {
    throw new Error(`expected error ${type}, got ${JSON.stringify(result.ok ? { ok: true, inspected: result.inspected } : result.error)}`);
  }
  return result as RunFailure & { error: Extract<RunFailure['error'], { type: T }> };
}
