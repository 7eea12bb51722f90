import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { round } from './stats.js';

/** Where the machine's CPU went during a measurement, in % of all cores. */
export interface CpuShare {
  /** This process, worker threads included. */
  readonly ownPercent: number;
  /** Everything else on the machine (other processes, steal): high means the window was disturbed. */
  readonly otherPercent: number;
}

interface ProcStat {
  readonly busy: number;
  readonly total: number;
}

/** The machine-wide CPU counters of /proc/stat, in ticks; null off Linux. */
function readProcStat(): ProcStat | null {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return null;
  }
  const fields = (line ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Starts counting; `stop()` says how the CPU was shared since. */
export function cpuWindow(): { stop(): CpuShare | null } {
  const machineStart = readProcStat();
  const ownStart = process.cpuUsage();
  const started = performance.now();
  return {
    stop() {
      const machineEnd = readProcStat();
      if (machineStart === null || machineEnd === null) return null;
      const ticks = machineEnd.total - machineStart.total;
      if (ticks <= 0) return null;
      const machineBusy = (machineEnd.busy - machineStart.busy) / ticks;
      const own = process.cpuUsage(ownStart);
      const capacityUs = (performance.now() - started) * 1000 * cpus().length;
      const ownShare = (own.user + own.system) / capacityUs;
      return { ownPercent: round(ownShare * 100), otherPercent: round(Math.max(0, machineBusy - ownShare) * 100) };
    },
  };
}
