import type * as SourcemapCodec from '@jridgewell/sourcemap-codec';
import { lazyRequire } from '../lazy-require.js';
import type { ColumnMap } from '../protocol.js';

// Loaded with sucrase, on the first TypeScript program (sucrase itself depends on it).
const codec = lazyRequire<typeof SourcemapCodec>('@jridgewell/sourcemap-codec');

/**
 * A {@link ColumnMap} from the `mappings` of a source map whose generated code
 * keeps every line on its line (as sucrase's does): one breakpoint per mapped
 * token that moved, and every later one on its line. Segments that map to
 * another line are left out.
 */
export function columnMapFromMappings(mappings: string): ColumnMap {
  const map: Array<[number, number, number, 1]> = [];
  codec().decode(mappings).forEach((line, index) => {
    let moved = false;
    // Decoded segments hold absolute positions: [column, source, sourceLine, sourceColumn, name?].
    for (const segment of line) {
      if (segment.length === 1) continue;
      const [column, , sourceLine, sourceColumn] = segment;
      if (sourceLine !== index) continue;
      if (!moved && column === sourceColumn) continue;
      moved = true;
      map.push([index + 1, column, sourceColumn, 1]);
    }
  });
  return map;
}
