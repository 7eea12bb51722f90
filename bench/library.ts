import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Types only: tsconfig maps 'repl-sandbox' to src/, and tsx honours that mapping
// at run time too, so a value import of 'repl-sandbox' would load src/, not the
// build. The benchmark measures what ships: dist/, loaded by URL below.
import type * as ReplSandbox from 'repl-sandbox';

export type Library = typeof ReplSandbox;

export interface LibraryInfo {
  /** The module actually loaded. */
  readonly entry: string;
  readonly distBuiltAt: string;
  readonly newestSourceChange: string;
  /** Whether some file in src/ changed after dist/ was built. */
  readonly stale: boolean;
}

const DIST_ENTRY = new URL('../dist/index.js', import.meta.url);
const SOURCE_DIR = new URL('../src/', import.meta.url);

function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

/** Loads the built package from dist/ and says whether it is older than src/. */
export async function loadLibrary(): Promise<{ library: Library; info: LibraryInfo }> {
  const entry = fileURLToPath(DIST_ENTRY);
  const built = statSync(entry, { throwIfNoEntry: false });
  if (built === undefined) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const library = (await import(DIST_ENTRY.href)) as Library;
  const newestSource = newestMtime(fileURLToPath(SOURCE_DIR));
  return {
    library,
    info: {
      entry,
      distBuiltAt: new Date(built.mtimeMs).toISOString(),
      newestSourceChange: new Date(newestSource).toISOString(),
      stale: newestSource > built.mtimeMs,
    },
  };
}
