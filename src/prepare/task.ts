import type { SourceUnit, TaskMessage } from '../protocol.js';
import { prepareSource, SourceError } from './index.js';

/** The run options a task is built from. */
export interface TaskSources {
  readonly setup: readonly string[];
  readonly filename: string;
  readonly language: 'js' | 'ts' | undefined;
  readonly maxOutput: number;
}

/** A source that could not be prepared, with the phase it belongs to. */
export interface PreparationFailure {
  readonly phase: 'setup' | 'eval';
  readonly filename: string;
  readonly source: SourceError;
}

/** A task ready for an isolate (its run key is added when it starts), or why there is none. */
export type PreparedTask = { readonly task: Omit<TaskMessage, 'key'> } | { readonly failure: PreparationFailure };

/**
 * Prepares `setup` and `code` into the task an isolate runs. A source that
 * cannot be prepared ({@link SourceError}) is a `failure`, not a throw; any
 * other error is a bug and propagates.
 */
export function prepareTask(code: string, options: TaskSources): PreparedTask {
  const { setup } = options;
  const units: SourceUnit[] = [];
  for (const [i, source] of setup.entries()) {
    const unit = prepareUnit(source, options, setup.length === 1 ? '<setup>' : `<setup-${i + 1}>`, 'setup');
    if ('failure' in unit) return unit;
    units.push(unit.unit);
  }
  const main = prepareUnit(code, options, options.filename, 'eval');
  if ('failure' in main) return main;
  return { task: { type: 'run', setup: units, main: main.unit, maxOutput: options.maxOutput } };
}

function prepareUnit(
  code: string,
  options: TaskSources,
  filename: string,
  phase: 'setup' | 'eval',
): { readonly unit: SourceUnit } | { readonly failure: PreparationFailure } {
  try {
    const prepared = prepareSource(code, options.language === undefined ? {} : { language: options.language });
    return {
      unit: { code: prepared.code, filename, async: prepared.async, ...(prepared.columns === undefined ? {} : { columns: prepared.columns }) },
    };
  } catch (error) {
    if (error instanceof SourceError) return { failure: { phase, filename, source: error } };
    throw error;
  }
}
