import { bareFork } from './bare-fork.js';
import { bareWorker } from './bare-worker.js';
import { type ConfinedPairedResult, runConfinedPaired } from './confined-paired.js';
import { type EngineResult, runEngineSuite } from './engine-suite.js';
import { type LargeResultResult, runLargeResult } from './large-result.js';
import { type OutputThroughputResult, runOutputThroughput } from './output-throughput.js';
import { type PairedResult, runPaired } from './paired.js';
import { quickjs } from './quickjs.js';
import { type RssSoakResult, runRssSoak } from './rss-soak.js';
import { confinedWarm, contextWarm, processWarm, sandboxCold, sandboxWarm } from './sandbox.js';
import { runSpareRss, type SpareRssResult } from './spare-rss.js';
import type { EngineDefinition, ScenarioContext } from './types.js';
import { vmInProcess } from './vm-in-process.js';

export type ScenarioResult = EngineResult | PairedResult | ConfinedPairedResult | OutputThroughputResult | LargeResultResult | RssSoakResult | SpareRssResult;

export interface ScenarioDefinition {
  readonly name: string;
  readonly aliases: readonly string[];
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

function engineScenario(definition: EngineDefinition): ScenarioDefinition {
  return { name: definition.name, aliases: definition.aliases, run: (context) => runEngineSuite(definition, context) };
}

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly ScenarioDefinition[] = [
  ...[bareWorker, bareFork, sandboxCold, sandboxWarm, contextWarm, processWarm, confinedWarm, vmInProcess, quickjs].map(engineScenario),
  { name: 'paired-ratios', aliases: ['paired', 'ratios'], run: runPaired },
  { name: 'confined-vs-process', aliases: ['bwrap'], run: runConfinedPaired },
  { name: 'spare-rss', aliases: ['spares', 'memory'], run: runSpareRss },
  // Before the scenarios that leave megabytes of garbage behind, so its baseline is clean.
  { name: 'rss-soak', aliases: ['soak', 'rss'], run: runRssSoak },
  { name: 'output-throughput', aliases: ['output'], run: runOutputThroughput },
  { name: 'large-result', aliases: ['result'], run: runLargeResult },
];

/** The scenarios whose name or an alias contains one of `words`; all of them when there are none. */
export function selectScenarios(words: readonly string[]): ScenarioDefinition[] {
  if (words.length === 0) return [...SCENARIOS];
  const matches = (scenario: ScenarioDefinition, word: string): boolean =>
    [scenario.name, ...scenario.aliases].some((name) => name.includes(word));
  const unmatched = words.filter((word) => !SCENARIOS.some((scenario) => matches(scenario, word)));
  if (unmatched.length > 0) {
    const names = SCENARIOS.map((s) => (s.aliases.length === 0 ? s.name : `${s.name} (${s.aliases.join(', ')})`));
    throw new Error(`no scenario matches ${unmatched.map((w) => JSON.stringify(w)).join(', ')}; scenarios: ${names.join(', ')}`);
  }
  return SCENARIOS.filter((scenario) => words.some((word) => matches(scenario, word)));
}
