import { afterAll } from 'vitest';
import { createSandbox, type RunFailure, type RunResult, type RunSuccess, type Sandbox, type SandboxOptions } from 'repl-sandbox';

/** The isolation levels every behaviour test runs against. */
export const LEVELS = ['worker', 'context', 'process'] as const;

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
