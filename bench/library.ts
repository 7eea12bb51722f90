import { cpSync, copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Types only: tsconfig maps 'repl-sandbox' to src/, and tsx honours that mapping
// at run time too, so a value import of 'repl-sandbox' would load src/, not the
// build. The benchmark measures what ships: dist/, loaded by URL below.
import type * as ReplSandbox from 'repl-sandbox';

export type Library = typeof ReplSandbox;

export interface LibraryInfo {
  /** The module actually loaded: index.js of a snapshot of dist/. */
  readonly entry: string;
  readonly snapshotOf: string;
  readonly distBuiltAt: string;
  readonly newestSourceChange: string;
  /** Whether some file in src/ changed after dist/ was built. */
  readonly stale: boolean;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** What a snapshot must hold to be usable: the entry and the worker isolate's harness. */
const REQUIRED = ['index.js', join('harness', 'worker.cjs')];

/** Every file under `directory` with its mtime and size, sorted: equal fingerprints, same build. */
function fingerprint(directory: string): string {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { mtimeMs, size } = statSync(path);
    files.push(`${path}:${mtimeMs}:${size}`);
  }
  return files.sort().join('\n');
}

function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function isComplete(dist: string): boolean {
  return REQUIRED.every((file) => statSync(join(dist, file), { throwIfNoEntry: false })?.isFile() === true);
}

/**
 * Copies dist/ into a temporary directory, so that a rebuild of dist/ while
 * the benchmark runs (`npm run build` starts by deleting it) cannot pull the
 * files from under it. The copy sits next to a package.json (ESM) and a
 * node_modules symlink, so it resolves its dependencies like dist/ does.
 * Retries while a build is in progress. Returns the snapshot's root.
 */
async function snapshotDist(): Promise<{ root: string; builtAt: number }> {
  for (let attempt = 1; ; attempt++) {
    const before = isComplete(DIST) ? fingerprint(DIST) : undefined;
    if (before !== undefined) {
      const root = mkdtempSync(join(tmpdir(), 'repl-sandbox-bench-'));
      cpSync(DIST, join(root, 'dist'), { recursive: true });
      copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
      if (isComplete(DIST) && fingerprint(DIST) === before && isComplete(join(root, 'dist'))) {
        return { root, builtAt: statSync(join(DIST, 'index.js')).mtimeMs };
      }
      rmSync(root, { recursive: true, force: true });
    }
    if (attempt === 10) throw new Error(`${DIST} is missing or incomplete (or kept changing): run \`npm run build\` first`);
    await sleep(2_000);
  }
}

/**
 * Loads a snapshot of the built package and says whether dist/ is older than
 * src/. `dispose()` removes the snapshot; call it once every sandbox is closed.
 */
export async function loadLibrary(): Promise<{ library: Library; info: LibraryInfo; dispose: () => void }> {
  const { root, builtAt } = await snapshotDist();
  const dispose = (): void => rmSync(root, { recursive: true, force: true });
  // Also on an early exit; rmSync is synchronous, as 'exit' listeners must be.
  process.once('exit', dispose);
  const entry = join(root, 'dist', 'index.js');
  const library = (await import(pathToFileURL(entry).href)) as Library;
  const newestSource = newestMtime(join(ROOT, 'src'));
  return {
    library,
    info: {
      entry,
      snapshotOf: DIST,
      distBuiltAt: new Date(builtAt).toISOString(),
      newestSourceChange: new Date(newestSource).toISOString(),
      stale: newestSource > builtAt,
    },
    dispose,
  };
}
