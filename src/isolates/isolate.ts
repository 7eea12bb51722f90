import type { HarnessMessage, TaskMessage } from '../protocol.js';

/** How an isolate ended before it reported a result. */
export interface IsolateExit {
  /** The exit code, when it exited. */
  readonly exitCode?: number;
  /** The error that ended it (e.g. out of memory), when there was one. */
  readonly error?: Error;
  /** The signal that killed it (`'process'` isolates). */
  readonly signal?: string;
  /** It ran out of memory. */
  readonly outOfMemory: boolean;
}

/** Receives what a running isolate reports. */
export interface IsolateListener {
  message(message: HarnessMessage): void;
  exit(exit: IsolateExit): void;
}

/**
 * One run's hold on an isolate, from the task to the release: what an
 * execution drives. Every level hands one out per run.
 */
export interface Lease {
  /** Thread id or process id, for logs, when the run has an isolate of its own (not on `'context'`'s shared workers). */
  readonly id?: number;
  /** Hands over the task. Keeps the host's event loop alive until it is released or terminated. */
  start(task: TaskMessage, listener: IsolateListener): void;
  /**
   * Ends the run at once, whatever it is doing, and resolves with the
   * messages it sent that were not delivered yet (a kill must not lose them).
   * Safe to call more than once.
   */
  terminate(): Promise<HarnessMessage[]>;
  /** Bytes of output the code printed in total, including bytes the harness did not send. */
  outputBytes(): number;
  /** The task reported its result: let go of the isolate (single-use ones are killed). */
  release(): void;
}

/**
 * One single-use isolate: booted ahead, leased to exactly one run, then
 * killed. `'worker'` and `'process'` isolates differ only in how they start.
 */
export interface Isolate extends Lease {
  /** Thread id or process id: distinct for every isolate ever started. */
  readonly id: number;
  /** Resolves when the harness is loaded and waiting; rejects if it died first. */
  readonly ready: Promise<void>;
  /** A caller waits for this isolate while it boots: it may skip what only pays off for an idle spare (the warm-up). */
  want?(): void;
}

/** A lease handed to a run, and how long the run waited for it. */
export interface Acquired {
  readonly lease: Lease;
  /** Milliseconds spent waiting for a boot; 0 when one was ready. */
  readonly bootWaitMs: number;
  /**
   * The run ended (it was aborted) before the lease was started: hand it
   * back. Present when an unstarted lease is worth keeping (a booted
   * single-use isolate is still fresh); otherwise it is simply dropped.
   */
  readonly giveBack?: () => void;
}

/** Where a sandbox gets its leases: the warm pool of single-use isolates, or the piscina pool of contexts. */
export interface IsolateProvider {
  /** Isolates booted and idle. */
  readonly warm: number;
  /** Resolves once the configured spares are ready. */
  warmup(): Promise<void>;
  /** A lease ready for one task. */
  acquire(): Promise<Acquired>;
  /** A lease at once when one is ready (the hot path, without a promise turn); undefined when the caller must {@link acquire}. */
  takeReady?(): Acquired | undefined;
  /** Ends every isolate; pending acquires reject. */
  close(): Promise<void>;
  /** A run was accepted: start booting what it will need, without waiting. For providers that boot on demand. */
  prime?(): void;
  /** A run on a lease from this provider has its result: a good moment for background work (refilling spares). */
  settled?(): void;
}

/** What a sandbox needs to start its isolates. */
export interface IsolateConfig {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  /** Whole megabytes, normalized by the options (see `SandboxOptions.memoryLimit`). */
  readonly memoryLimit: number | undefined;
}

/**
 * Node flags every isolate starts with. `--experimental-vm-modules` lets the
 * harness give `vm.Script` its own `importModuleDynamically`, which Node 20
 * refuses without it (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG); it prints
 * no warning. The host's own flags (loaders, inspectors) are not inherited.
 */
export const ISOLATE_EXEC_ARGV: readonly string[] = ['--experimental-vm-modules'];

/** The `resourceLimits` a Worker gets for a `memoryLimit` in whole MB, as the options normalize it (none when unset). */
export function resourceLimits(memoryLimit: number | undefined): { resourceLimits?: { maxOldGenerationSizeMb: number } } {
  return memoryLimit === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: memoryLimit } };
}
