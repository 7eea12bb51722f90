import { readdirSync, readFileSync } from 'node:fs';

/** Memory of a set of processes, summed, in bytes (read from /proc). */
export interface TreeMemory {
  readonly processes: number;
  /** VmRSS: resident pages, shared ones (Node's binary, libraries) counted in every process. */
  readonly vmRssBytes: number;
  /** RssAnon: resident anonymous pages, the process's own heap and stacks. */
  readonly rssAnonBytes: number;
  /** Pss (smaps_rollup): resident pages with shared ones split between their users; null where unreadable. */
  readonly pssBytes: number | null;
}

/** The direct children of `pid`, over all its threads (a child hangs off the thread that forked it). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    for (const word of text.trim().split(/\s+/)) if (word !== '') children.push(Number(word));
  }
  return children;
}

/** A `<field>:  <n> kB` line of a /proc file, in bytes; null when absent. */
function kbField(text: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}

/** Whether /proc lists children (Linux with CONFIG_PROC_CHILDREN); the tree reader needs it. */
export function canReadChildren(): boolean {
  try {
    childrenOf(process.pid);
    return true;
  } catch {
    return false;
  }
}

/**
 * The memory of every process below `root` (children, grandchildren…), or
 * null where /proc cannot say (not Linux, no `children` files). A process
 * that exits while being read is left out.
 */
export function descendantsMemory(root: number = process.pid): TreeMemory | null {
  let pending: number[];
  try {
    pending = childrenOf(root);
  } catch {
    return null;
  }
  let processes = 0;
  let vmRssBytes = 0;
  let rssAnonBytes = 0;
  let pssBytes: number | null = 0;
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() ?? 0;
    if (seen.has(pid)) continue;
    seen.add(pid);
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      processes++;
      vmRssBytes += kbField(status, 'VmRSS') ?? 0;
      rssAnonBytes += kbField(status, 'RssAnon') ?? 0;
      pending.push(...childrenOf(pid));
    } catch {
      continue;
    }
    if (pssBytes === null) continue;
    try {
      const pss = kbField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      pssBytes = pss === null ? null : pssBytes + pss;
    } catch {
      pssBytes = null;
    }
  }
  return { processes, vmRssBytes, rssAnonBytes, pssBytes };
}
