import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os';
import { round, toMb } from './stats.js';

export interface MachineInfo {
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly availableParallelism: number;
  readonly totalMemMb: number;
  readonly freeMemMb: number;
  /** 1/5/15-minute load averages when the run started: the machine is shared and noisy. */
  readonly loadAvgAtStart: readonly number[];
  readonly date: string;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cores[0]?.model ?? 'unknown',
    cpuCount: cores.length,
    availableParallelism: availableParallelism(),
    totalMemMb: toMb(totalmem()),
    freeMemMb: toMb(freemem()),
    loadAvgAtStart: loadavg().map(round),
    date: new Date().toISOString(),
  };
}

export function currentLoadAvg(): number[] {
  return loadavg().map(round);
}
