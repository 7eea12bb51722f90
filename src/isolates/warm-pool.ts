import { performance } from 'node:perf_hooks';
import type { SandboxLogger } from '../logger.js';
import { CLOSED_MESSAGE } from '../result.js';
import type { Acquired, Isolate, IsolateProvider } from './isolate.js';

interface Waiter {
  readonly since: number;
  resolve(acquired: Acquired): void;
  reject(error: Error): void;
}

/** How long a replacement boot may wait for the run that took the spare to finish. */
const REFILL_DELAY_MS = 5;

/** Options of a {@link WarmPool}. */
export interface WarmPoolOptions {
  /** Spares to keep booted while nobody is waiting. */
  readonly warm: number;
  /** Boots in flight at once. */
  readonly maxBooting: number;
  readonly logger: SandboxLogger;
}

/**
 * Keeps single-use isolates booted ahead. Taking a spare is the hot path; its
 * replacement starts booting at once, in the background. An isolate is handed
 * out exactly once and never comes back.
 *
 * Boot policy: booting is CPU-bound, and a machine boots fastest with about
 * one boot per core in flight (the sandbox uses cores + 1) — more boots at
 * once only slow every boot and the runs beside them (measured: a bare
 * spawn-per-call loop did ~57/s at 2 in parallel and ~32/s at 4 on 2 cores,
 * on a loaded machine). So at most `maxBooting` boots run at once, whatever
 * the demand; demand beyond that waits in FIFO order for the
 * next isolate to come up. Spares for idle time (`warm`) are booted under the
 * same cap, so refilling them never adds load beyond it either.
 */
export class WarmPool implements IsolateProvider {
  readonly #launch: () => Isolate;
  readonly #options: WarmPoolOptions;
  readonly #spares: Isolate[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #all = new Set<Isolate>();
  /** Isolates booting, oldest first: the first ones to be ready go to the waiters. */
  readonly #bootingIsolates: Isolate[] = [];
  #booting = 0;
  #fillTimer: NodeJS.Timeout | undefined;
  #failedBoots = 0;
  #closed = false;
  #warmupWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];

  constructor(launch: () => Isolate, options: WarmPoolOptions) {
    this.#launch = launch;
    this.#options = options;
  }

  /** Ready spares. */
  get warm(): number {
    return this.#spares.length;
  }

  /** Boots spares up to `warm`; resolves when they are ready (at once when `warm` is 0). */
  warmup(): Promise<void> {
    if (this.#spares.length >= this.#options.warm) return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.#warmupWaiters.push({ resolve, reject }));
    this.#failedBoots = 0;
    this.#fill();
    return ready;
  }

  /** Starts booting spares without waiting for them. */
  prime(): void {
    this.#fill();
  }

  /** A ready spare, if there is one. */
  takeReady(): Acquired | undefined {
    const spare = this.#spares.shift();
    if (spare === undefined) return undefined;
    this.#all.delete(spare);
    this.#fillSoon();
    return this.#handOut(spare, 0);
  }

  /** A booted isolate: a spare if one is ready, else the next one to boot. */
  acquire(): Promise<Acquired> {
    const ready = this.takeReady();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<Acquired>((resolve, reject) => {
      this.#waiters.push({ since: performance.now(), resolve, reject });
      this.#failedBoots = 0;
      this.#fill();
    });
  }

  /** Leases `isolate` to one run, which may give it back unstarted. */
  #handOut(isolate: Isolate, bootWaitMs: number): Acquired {
    return { lease: isolate, bootWaitMs, giveBack: () => this.#restore(isolate) };
  }

  /**
   * Takes back an isolate that was acquired but never given a task (its run
   * was aborted while it booted): it is still fresh, so it becomes a spare.
   */
  #restore(isolate: Isolate): void {
    if (this.#closed) {
      void isolate.terminate();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(this.#handOut(isolate, performance.now() - waiter.since));
      return;
    }
    this.#spares.push(isolate);
    this.#all.add(isolate);
    this.#settleWarmup();
  }

  /** Kills every spare and booting isolate; pending acquires reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = new Error(CLOSED_MESSAGE);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const waiter of this.#warmupWaiters.splice(0)) waiter.reject(error);
    this.#spares.length = 0;
    await Promise.all([...this.#all].map((isolate) => isolate.terminate()));
    this.#all.clear();
  }

  /**
   * Starting a replacement costs the host's own thread ~0.5 ms (the Worker
   * constructor; more for a spawn), and the new isolate's boot competes for
   * the CPU. Started right away it would delay the result of the run that
   * took the spare; so it starts when that run ends ({@link settled}) or after
   * a few milliseconds, whichever comes first — long runs still get their
   * replacement booting in parallel.
   */
  #fillSoon(): void {
    this.#fillTimer ??= setTimeout(() => {
      this.#fillTimer = undefined;
      this.#fill();
    }, REFILL_DELAY_MS).unref();
  }

  /** A run handed an isolate by this pool has its result: boot what is missing now. */
  settled(): void {
    if (this.#fillTimer === undefined) return;
    clearTimeout(this.#fillTimer);
    this.#fillTimer = undefined;
    setImmediate(() => this.#fill());
  }

  #fill(): void {
    if (this.#closed) return;
    // After a failed boot, only boot for callers that wait, so a broken setup
    // (a bad memoryLimit, a missing build) cannot spin in a boot loop.
    const wanted = (this.#failedBoots > 0 ? 0 : this.#options.warm) + this.#waiters.length;
    while (this.#booting < this.#options.maxBooting && this.#spares.length + this.#booting < wanted) {
      this.#boot();
    }
    this.#markWanted();
  }

  #boot(): void {
    this.#booting++;
    const started = performance.now();
    let isolate: Isolate;
    try {
      isolate = this.#launch();
    } catch (error) {
      this.#booting--;
      this.#bootFailed(error as Error);
      return;
    }
    this.#all.add(isolate);
    this.#bootingIsolates.push(isolate);
    const booted = (): void => {
      this.#booting--;
      this.#bootingIsolates.splice(this.#bootingIsolates.indexOf(isolate), 1);
    };
    isolate.ready.then(
      () => {
        booted();
        this.#failedBoots = 0;
        if (this.#closed) return;
        this.#options.logger.debug({ isolate: isolate.id, bootMs: performance.now() - started }, 'isolate booted');
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) {
          this.#all.delete(isolate);
          waiter.resolve(this.#handOut(isolate, performance.now() - waiter.since));
        } else {
          this.#spares.push(isolate);
          this.#settleWarmup();
        }
        this.#fill();
      },
      (error: Error) => {
        booted();
        this.#all.delete(isolate);
        void isolate.terminate();
        if (!this.#closed) this.#bootFailed(error);
      },
    );
  }

  /**
   * The first isolates to finish booting go to the callers that wait (FIFO):
   * tell as many of them as there are waiters that someone waits, so they
   * skip the warm-up (a spare's idle-time work).
   */
  #markWanted(): void {
    const count = Math.min(this.#waiters.length, this.#bootingIsolates.length);
    for (let i = 0; i < count; i++) this.#bootingIsolates[i]?.want?.();
  }

  #bootFailed(error: Error): void {
    this.#failedBoots++;
    this.#options.logger.error({ err: error }, 'isolate failed to boot');
    // A caller waiting for this boot gets the error instead of hanging.
    this.#waiters.shift()?.reject(error);
    for (const waiter of this.#warmupWaiters.splice(0)) waiter.reject(error);
    this.#fill();
  }

  #settleWarmup(): void {
    if (this.#spares.length < this.#options.warm) return;
    for (const waiter of this.#warmupWaiters.splice(0)) waiter.resolve();
  }
}
