import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

describe.each(LEVELS)('%s: output capture', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 1 });

  it('captures every console method in order, formatted as Node formats it', async () => {
    const code = `
      console.log('log', 1, { a: [1, 2] });
      console.info('info %s', 'x');
      console.debug('debug');
      console.warn('warn');
      console.error(new Map([[1, 2]]));
      console.dir({ deep: { deeper: { deepest: { gone: 1 } } } }, { depth: 0 });
      console.table([{ a: 1 }]);
      console.group('g'); console.log('indented'); console.groupEnd();
      process.stdout.write('out ');
      process.stderr.write(Buffer.from('err\\n'));
      console.log('end');`;
    const { output } = expectOk(await sandbox.run(code));
    expect(output).toBe(
      [
        "log 1 { a: [ 1, 2 ] }",
        'info x',
        'debug',
        'warn',
        'Map(1) { 1 => 2 }',
        '{ deep: [Object] }',
        '┌─────────┬───┐',
        '│ (index) │ a │',
        '├─────────┼───┤',
        '│ 0       │ 1 │',
        '└─────────┴───┘',
        'g',
        '  indented',
        'out err',
        'end',
        '',
      ].join('\n'),
    );
  });

  it('captures console.trace with the user frames only', async () => {
    const { output } = expectOk(await sandbox.run('function f() { console.trace("here") }\nf()'));
    expect(output).toMatch(/^Trace: here\n {4}at f \(<sandbox>:1:24\)\n {4}at <sandbox>:2:1\n$/);
  });

  it('keeps the first maxOutput bytes and appends the truncation note', async () => {
    const { output } = expectOk(await sandbox.run('process.stdout.write("x".repeat(100_000))'));
    expect(output).toBe(`${'x'.repeat(50_000)}\n...(truncated, showing first 48.8KB of 97.7KB)`);
  });

  it('cuts on a UTF-8 character boundary', async () => {
    // "é" is 2 bytes: 3 bytes of room hold one of them, not one and a half; the note says what is shown.
    const { output } = expectOk(await sandbox.run('process.stdout.write("ééé")', { maxOutput: 3 }));
    expect(output).toBe('é\n...(truncated, showing first 2B of 6B)');
    const emoji = expectOk(await sandbox.run('process.stdout.write("a😀b")', { maxOutput: 4 }));
    expect(emoji.output).toBe('a\n...(truncated, showing first 1B of 6B)');
  });

  it('keeps everything with maxOutput: Infinity', async () => {
    const { output } = expectOk(await sandbox.run('process.stdout.write("y".repeat(200_000))', { maxOutput: Infinity }));
    expect(output).toBe('y'.repeat(200_000));
  });

  it('prints no note when the output fits exactly', async () => {
    const { output } = expectOk(await sandbox.run('process.stdout.write("12345")', { maxOutput: 5 }));
    expect(output).toBe('12345');
  });

  it('keeps host memory bounded when the code prints without end', async () => {
    const before = process.memoryUsage().rss;
    const result = expectError(
      await sandbox.run('const s = "z".repeat(1024); for (;;) console.log(s)', { timeout: 2_000 }),
      'timeout',
    );
    const grown = process.memoryUsage().rss - before;
    expect(result.output.startsWith('z'.repeat(1024))).toBe(true);
    expect(result.output).toMatch(/\n\.\.\.\(truncated, showing first 48\.8KB of [\d.]+MB\)$/);
    expect(grown).toBeLessThan(100 * 1024 * 1024);
  });

  it('streams chunks to onOutput exactly as output keeps them', async () => {
    const chunks: string[] = [];
    const { output } = expectOk(
      await sandbox.run('console.log("a"); console.log("b".repeat(20))', { maxOutput: 10, onOutput: (c) => chunks.push(c) }),
    );
    expect(chunks.join('')).toBe(output);
    expect(output).toBe('a\nbbbbbbbb\n...(truncated, showing first 10B of 23B)');
  });
});
