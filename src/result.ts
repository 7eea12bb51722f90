/** Where one run's time went, in milliseconds. */
export interface RunTimings {
  /** Waiting in the sandbox's queue for a concurrency slot. */
  readonly queuedMs: number;
  /** Waiting for an isolate to boot; absent when a warm spare was ready. */
  readonly bootMs?: number;
  /** Evaluating `setup`, inside the isolate. */
  readonly setupMs?: number;
  /** Evaluating the code and awaiting its value, inside the isolate. */
  readonly evalMs?: number;
  /** Inspecting and serializing the value, inside the isolate. */
  readonly serializeMs?: number;
}

/** The code ran and its value settled. */
export interface RunSuccess {
  readonly ok: true;
  /** Everything printed, in order, capped at `maxOutput` bytes plus the truncation note. */
  readonly output: string;
  /**
   * The last expression's value (awaited when it is a promise), copied out of
   * the isolate with the structured clone algorithm: Date, Map, Set, BigInt,
   * RegExp, typed arrays, `undefined`, NaN, ±Infinity, Errors and cycles
   * survive. What cannot be copied (functions, symbols, WeakMaps, proxies, a
   * getter that throws) is replaced by its `util.inspect` text; class
   * instances arrive as plain objects.
   */
  readonly result: unknown;
  /** `util.inspect` of the value, made inside the isolate: what a REPL would print. */
  readonly inspected: string;
  /** Milliseconds from the `run()` call to the result. */
  readonly durationMs: number;
  readonly timings: RunTimings;
}

/** The code did not produce a value. */
export interface RunFailure {
  readonly ok: false;
  /** What was printed before the failure, capped like {@link RunSuccess.output}. */
  readonly output: string;
  readonly error: RunError;
  readonly durationMs: number;
  readonly timings: RunTimings;
}

/** What went wrong, discriminated by `type`. */
export type RunError =
  | { readonly type: 'timeout'; readonly message: string; readonly timeout: number }
  | { readonly type: 'aborted'; readonly message: string; readonly reason?: unknown }
  | {
      readonly type: 'crashed';
      readonly message: string;
      readonly reason: 'exit' | 'out-of-memory' | 'error';
      readonly exitCode?: number;
    }
  | {
      readonly type: 'exception';
      readonly message: string;
      /** Whether `setup` or the code threw. */
      readonly phase: 'setup' | 'eval';
      /** The error's `name`, or `'Uncaught'` for a thrown non-Error. */
      readonly name: string;
      /** The stack, trimmed to the user's own frames. */
      readonly stack: string;
      /** The thrown value itself, copied like `result`. */
      readonly value: unknown;
    };

/** The outcome of one evaluation: a value, never a rejection, whatever the code did. */
export type RunResult = RunSuccess | RunFailure;
