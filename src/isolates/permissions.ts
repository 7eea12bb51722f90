import * as path from 'node:path';
import { harnessPaths } from '../harness-location.js';
import type { PermissionProfile } from '../options.js';

/*
 * What Node accepts (measured on 20.19.0, 20.20.2, 22.12.0, 22.13.0, 22.23.5,
 * 24.22.3 and 25.9.0):
 * - The switch is `--experimental-permission` before 22.13 (and on 23.0–23.4),
 *   `--permission` from 22.13 / 23.5 on; 24 rejects the old spelling.
 * - Several paths take one `--allow-fs-read` / `--allow-fs-write` flag each.
 *   A comma-separated list has been one literal path since 20.7 (Node warns
 *   and denies everything the list meant), so a path containing a comma is
 *   passed as it is.
 * - A path that ends in `*` is a wildcard (`/data/a*` also allows `/data/ab`).
 * - Node 20 aborts (a C++ assertion in its radix tree) when the same path is
 *   given twice, `/a` and `/a/` included: the list is normalized and deduplicated.
 * - Node 20 must be allowed to read its entry script; 22 and later allow it
 *   implicitly.
 * - From 25 on, `--permission` also blocks the network unless `--allow-net`
 *   is given; the flag does not exist before 25.
 */

/** One flag per path, each path normalized once (Node 20 aborts on a repeated path). */
function pathFlags(flag: string, paths: readonly string[]): string[] {
  const unique = new Set(paths.map((p) => (p === '*' ? p : path.resolve(p))));
  return unique.has('*') ? [`${flag}=*`] : [...unique].map((p) => `${flag}=${p}`);
}

/**
 * Flags for Node's permission model, spelled for `nodeVersion` (default: the
 * running Node, which is the one that spawns the isolate). Paths should be
 * absolute (the sandbox's options resolve them against its `cwd`).
 */
export function permissionFlags(profile: PermissionProfile, nodeVersion: string = process.versions.node): string[] {
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  const stable = major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  const flags = [stable ? '--permission' : '--experimental-permission'];
  const read = profile.allowRead ?? '*';
  flags.push(...pathFlags('--allow-fs-read', read === '*' ? ['*'] : [...read, ...harnessPaths()]));
  flags.push(...pathFlags('--allow-fs-write', profile.allowWrite ?? []));
  // The README promises that the network is not restricted: keep it so where Node would restrict it.
  if (major >= 25) flags.push('--allow-net');
  return flags;
}
