import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEVELS } from './helpers.js';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function script(body: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import { run, createSandbox } from ${JSON.stringify(entry)};\n${body}`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, ms: performance.now() - started };
}

describe('the host process exits by itself', () => {
  it('after one run() and nothing else, promptly', () => {
    const child = script('const r = await run("6 * 7"); console.log(r.result);');
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('42\n');
    expect(child.status).toBe(0);
    expect(child.ms).toBeLessThan(10_000);
  });

  it.each(LEVELS)('with idle warm spares and without close() (%s)', (isolation) => {
    const child = script(
      `const s = createSandbox({ isolation: '${isolation}', warm: 2 }); await s.warmup(); const r = await s.run('6 * 7'); console.log(r.result);`,
    );
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('42\n');
    expect(child.status).toBe(0);
    expect(child.ms).toBeLessThan(10_000);
  });

  it('but a pending run keeps it alive until the run resolves', () => {
    const child = script('run("new Promise((r) => setTimeout(() => r(\\"done\\"), 300))").then((r) => console.log(r.result));');
    expect(child.stdout).toBe('done\n');
    expect(child.status).toBe(0);
  });
});
