import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Isolation, SandboxOptions } from 'repl-sandbox';
import { rss, sleep } from '../measure.js';
import { canReadChildren, descendantsMemory, type TreeMemory } from '../proc-tree.js';
import { median, round, toMb } from '../stats.js';
import type { ScenarioContext } from './types.js';

const SPARES = 8;
const REPETITIONS = 3;
const LEVELS: readonly Isolation[] = ['worker', 'context', 'process', 'confined'];

/** The child processes' memory added by the spares (after − before), in MB. */
export interface ChildrenMemory {
  readonly processes: number;
  readonly vmRssMb: number;
  readonly rssAnonMb: number;
  readonly pssMb: number | null;
}

export interface SpareRssRepetition {
  readonly hostBeforeMb: number;
  readonly hostAfterMb: number;
  /** (after − before) ÷ spares. */
  readonly hostMbPerSpare: number;
  /** sandbox.stats.warm right after createSandbox() and after warmup(). */
  readonly sparesAtCreate: number;
  readonly sparesAfterWarmup: number;
  /** 'process' and 'confined' only; null where /proc does not list children. */
  readonly children: ChildrenMemory | null;
}

export interface SpareRssLevel {
  readonly level: Isolation;
  /** Why the level was not measured (e.g. no bubblewrap); null when it was. */
  readonly skipped: string | null;
  readonly repetitions: readonly SpareRssRepetition[];
  /** Medians over the repetitions, per spare, in MB. */
  readonly hostMbPerSpare: number | null;
  readonly childVmRssMbPerSpare: number | null;
  readonly childRssAnonMbPerSpare: number | null;
  readonly childPssMbPerSpare: number | null;
  readonly childProcessesPerSpare: number | null;
}

export interface SpareRssResult {
  readonly kind: 'spare-rss';
  readonly description: string;
  readonly spares: number;
  readonly repetitions: number;
  /** How the host's heap was collected before each reading. */
  readonly gc: 'global.gc' | 'v8 flag at run time' | 'none';
  /** Whether the children's memory could be read (/proc/<pid>/task/<tid>/children). */
  readonly childrenReadable: boolean;
  readonly levels: readonly SpareRssLevel[];
}

/**
 * A full GC of the host's heap. global.gc when node runs with --expose-gc;
 * otherwise V8's --expose-gc is switched on just long enough to make one
 * context that has gc(), then off again: on the command line it would put a
 * gc global into every Worker, vm context and child the benchmark starts,
 * which the other scenarios should not measure.
 */
function findGc(): { collect: () => void; how: SpareRssResult['gc'] } {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return { collect: () => void (exposed as () => unknown)(), how: 'global.gc' };
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return { collect: () => void (gc as () => unknown)(), how: 'v8 flag at run time' };
  } catch {
    // This V8 refuses flags after start-up: no forced GC then.
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return { collect: () => {}, how: 'none' };
}

function difference(after: TreeMemory | null, before: TreeMemory | null): ChildrenMemory | null {
  if (after === null || before === null) return null;
  return {
    processes: after.processes - before.processes,
    vmRssMb: toMb(after.vmRssBytes - before.vmRssBytes),
    rssAnonMb: toMb(after.rssAnonBytes - before.rssAnonBytes),
    pssMb: after.pssBytes === null || before.pssBytes === null ? null : toMb(after.pssBytes - before.pssBytes),
  };
}

function medianOf(values: ReadonlyArray<number | null | undefined>): number | null {
  const known = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return known.length === 0 ? null : round(median(known));
}

/**
 * What a warm spare costs the host, per isolation level: host RSS before
 * createSandbox({ warm: 8, concurrency: 8 }) and after warmup(), each read
 * after a settle and a forced GC, (after − before) ÷ 8; for the process
 * levels also the spares' own processes, from /proc. "Before" is read before
 * createSandbox() because the 'context' pool's piscina starts its workers in
 * its constructor. Each level is primed first with an unmeasured sandbox of
 * one spare, so the host's one-time loading (piscina, the TypeScript
 * preparation that warmup() loads) is not charged to the spares.
 */
export async function runSpareRss(context: ScenarioContext): Promise<SpareRssResult> {
  const { config, library, log } = context;
  const settleMs = config.settleMs * 2;
  const { collect, how } = findGc();
  const childrenReadable = canReadChildren();
  const reading = async (): Promise<{ host: number; children: TreeMemory | null }> => {
    await sleep(settleMs);
    collect();
    return { host: rss(), children: descendantsMemory() };
  };
  const levels: SpareRssLevel[] = [];
  for (const level of LEVELS) {
    const processLevel = level === 'process' || level === 'confined';
    try {
      const primer = library.createSandbox({ isolation: level, warm: 1, concurrency: 1 });
      try {
        await primer.warmup();
      } finally {
        await primer.close();
      }
    } catch (error) {
      // createSandbox() throws ConfinementUnavailableError where bubblewrap cannot run: never a weaker level in its place.
      if (!(error instanceof library.ConfinementUnavailableError)) throw error;
      log(`  ${level}: skipped (${error.message})`);
      levels.push({ level, skipped: error.message, repetitions: [], hostMbPerSpare: null, childVmRssMbPerSpare: null, childRssAnonMbPerSpare: null, childPssMbPerSpare: null, childProcessesPerSpare: null });
      continue;
    }
    const repetitions: SpareRssRepetition[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      log(`  ${level}: ${SPARES} spares, repetition ${i + 1}/${REPETITIONS}`);
      const before = await reading();
      const options: SandboxOptions = { isolation: level, warm: SPARES, concurrency: SPARES };
      const sandbox = library.createSandbox(options);
      try {
        const sparesAtCreate = sandbox.stats.warm;
        await sandbox.warmup();
        const sparesAfterWarmup = sandbox.stats.warm;
        const after = await reading();
        repetitions.push({
          hostBeforeMb: toMb(before.host),
          hostAfterMb: toMb(after.host),
          hostMbPerSpare: toMb((after.host - before.host) / SPARES),
          sparesAtCreate,
          sparesAfterWarmup,
          children: processLevel ? difference(after.children, before.children) : null,
        });
      } finally {
        await sandbox.close();
      }
    }
    const perSpare = (pick: (children: ChildrenMemory) => number | null): number | null =>
      medianOf(repetitions.map((r) => (r.children === null ? null : (pick(r.children) ?? Number.NaN) / SPARES)));
    levels.push({
      level,
      skipped: null,
      repetitions,
      hostMbPerSpare: medianOf(repetitions.map((r) => r.hostMbPerSpare)),
      childVmRssMbPerSpare: perSpare((c) => c.vmRssMb),
      childRssAnonMbPerSpare: perSpare((c) => c.rssAnonMb),
      childPssMbPerSpare: perSpare((c) => c.pssMb),
      childProcessesPerSpare: perSpare((c) => c.processes),
    });
  }
  return {
    kind: 'spare-rss',
    description:
      `per level: host RSS before createSandbox({ warm: ${SPARES}, concurrency: ${SPARES} }) and after warmup(), each after a ${settleMs} ms settle and a forced GC (${how}); ` +
      `(after − before) ÷ ${SPARES} per spare; 'process'/'confined' also the spares' processes (VmRSS, RssAnon, Pss from /proc${childrenReadable ? '' : ': not readable here'}); median of ${REPETITIONS} repetitions, each level primed by an unmeasured sandbox first`,
    spares: SPARES,
    repetitions: REPETITIONS,
    gc: how,
    childrenReadable,
    levels,
  };
}
