import { formatResult, type RunError, type RunFailure, type RunResult, type RunSuccess } from 'repl-sandbox';
import { describe, expect, it } from 'vitest';
import { useSandbox } from './helpers.js';

const timings = { queuedMs: 0 };

function ok(output: string, inspected: string): RunSuccess {
  return { ok: true, output, result: undefined, inspected, durationMs: 12.5, timings };
}

function failed(output: string, error: RunError): RunFailure {
  return { ok: false, output, error, durationMs: 12.5, timings };
}

describe('formatResult: every result shape', () => {
  it('ok: the output, then => and the inspected value', () => {
    expect(formatResult(ok('hi\n', '42'))).toBe('hi\n=> 42');
    expect(formatResult(ok('', "'text'"))).toBe("=> 'text'");
    expect(formatResult(ok('no newline', 'undefined'))).toBe('no newline\n=> undefined');
    expect(formatResult(ok('a\n\n', '{\n  a: 1\n}'))).toBe('a\n\n=> {\n  a: 1\n}');
  });

  it('keeps the truncation note, which is part of the output', () => {
    const output = 'abc\n...(truncated, showing first 3B of 6B)';
    expect(formatResult(ok(output, '1'))).toBe(`${output}\n=> 1`);
  });

  it('leaves durations out', () => {
    expect(formatResult(ok('', '1'))).not.toMatch(/12\.5|ms/);
  });

  it('exception in the code: type, name, message, then the stack frames once', () => {
    const error: RunError = {
      type: 'exception',
      phase: 'eval',
      name: 'TypeError',
      message: 'bad',
      stack: 'TypeError: bad\n    at f (<sandbox>:1:21)\n    at <sandbox>:2:1',
      value: new TypeError('bad'),
    };
    expect(formatResult(failed('a\n', error))).toBe('a\nException: TypeError: bad\n    at f (<sandbox>:1:21)\n    at <sandbox>:2:1');
  });

  it('exception in setup says so', () => {
    const error: RunError = { type: 'exception', phase: 'setup', name: 'Error', message: 's', stack: 'Error: s\n    at <setup>:1:7', value: {} };
    expect(formatResult(failed('', error))).toBe('Exception in setup: Error: s\n    at <setup>:1:7');
  });

  it('a thrown non-Error: Uncaught and its inspected value', () => {
    const error: RunError = { type: 'exception', phase: 'eval', name: 'Uncaught', message: "{ code: 42 }", stack: 'Uncaught { code: 42 }', value: { code: 42 } };
    expect(formatResult(failed('', error))).toBe('Exception: Uncaught { code: 42 }');
  });

  it('a SyntaxError: the headline first, then the source excerpt', () => {
    const stack = "<sandbox>:1\nsyntax error here\n       ^^^^^\n\nSyntaxError: Unexpected identifier 'error'";
    const error: RunError = { type: 'exception', phase: 'eval', name: 'SyntaxError', message: "Unexpected identifier 'error'", stack, value: {} };
    expect(formatResult(failed('', error))).toBe("Exception: SyntaxError: Unexpected identifier 'error'\n<sandbox>:1\nsyntax error here\n       ^^^^^");
  });

  it('multi-line messages, empty messages and renamed errors', () => {
    const multi: RunError = { type: 'exception', phase: 'eval', name: 'Error', message: 'one\ntwo', stack: 'Error: one\ntwo\n    at <sandbox>:1:7', value: {} };
    expect(formatResult(failed('', multi))).toBe('Exception: Error: one\ntwo\n    at <sandbox>:1:7');
    const empty: RunError = { type: 'exception', phase: 'eval', name: 'Error', message: '', stack: 'Error\n    at <sandbox>:1:7', value: {} };
    expect(formatResult(failed('', empty))).toBe('Exception: Error\n    at <sandbox>:1:7');
    // `e.name = 'Custom'` after construction: the stack's header is stale; only its frames are kept.
    const renamed: RunError = { type: 'exception', phase: 'eval', name: 'Custom', message: 'm', stack: 'Error: m\n    at <sandbox>:1:9', value: {} };
    expect(formatResult(failed('', renamed))).toBe('Exception: Custom: m\n    at <sandbox>:1:9');
    const noFrames: RunError = { type: 'exception', phase: 'eval', name: 'Error', message: 'm', stack: '', value: {} };
    expect(formatResult(failed('', noFrames))).toBe('Exception: Error: m');
  });

  it('timeout, with the output printed before it', () => {
    expect(formatResult(failed('before\n', { type: 'timeout', message: 'Timed out after 300 ms', timeout: 300 }))).toBe(
      'before\nTimeout: Timed out after 300 ms',
    );
  });

  it('queue-timeout: the code never ran, and the text says so', () => {
    const error: RunError = { type: 'queue-timeout', message: 'Not started within 2000 ms (queueTimeout): the sandbox was busy, the code did not run', queueTimeout: 2000 };
    expect(formatResult(failed('', error))).toBe('Queue timeout: Not started within 2000 ms (queueTimeout): the sandbox was busy, the code did not run');
  });

  it('aborted, with the reason when it is an Error or a string', () => {
    expect(formatResult(failed('', { type: 'aborted', message: 'The run was aborted' }))).toBe('Aborted: The run was aborted');
    expect(formatResult(failed('', { type: 'aborted', message: 'The run was aborted', reason: new Error('user left') }))).toBe(
      'Aborted: The run was aborted (user left)',
    );
    expect(formatResult(failed('', { type: 'aborted', message: 'The run was aborted', reason: 'shutdown' }))).toBe(
      'Aborted: The run was aborted (shutdown)',
    );
    expect(formatResult(failed('', { type: 'aborted', message: 'The sandbox was closed', reason: { some: 'object' } }))).toBe(
      'Aborted: The sandbox was closed',
    );
  });

  it('crashed, for each reason', () => {
    expect(formatResult(failed('x\n', { type: 'crashed', reason: 'exit', exitCode: 3, message: 'The isolate exited with code 3' }))).toBe(
      'x\nCrashed (exit): The isolate exited with code 3',
    );
    expect(formatResult(failed('', { type: 'crashed', reason: 'out-of-memory', exitCode: 1, message: 'The isolate ran out of memory' }))).toBe(
      'Crashed (out-of-memory): The isolate ran out of memory (exit code 1)',
    );
    expect(formatResult(failed('', { type: 'crashed', reason: 'error', message: 'The isolate failed to start: EMFILE' }))).toBe(
      'Crashed (error): The isolate failed to start: EMFILE',
    );
  });
});

describe('formatResult: maxLength', () => {
  const long = ok(`${'a'.repeat(500)}\n${'z'.repeat(500)}\n`, '42');
  const full = formatResult(long);

  it('leaves a text that fits alone, exact fit included', () => {
    expect(formatResult(long, { maxLength: Infinity })).toBe(full);
    expect(formatResult(long, { maxLength: full.length })).toBe(full);
    expect(formatResult(long, { maxLength: full.length + 1 })).toBe(full);
  });

  it('keeps the head and the tail and says how much was cut', () => {
    const text = formatResult(long, { maxLength: 100 });
    expect(text.length).toBeLessThanOrEqual(100);
    const match = /^(a+)\n\.\.\.\((\d+) characters cut\)\.\.\.\n(z+\n=> 42)$/.exec(text);
    expect(match).not.toBeNull();
    const [, head = '', cut = '', tail = ''] = match ?? [];
    expect(head.length + Number(cut) + tail.length).toBe(full.length);
  });

  it('one character too many: still bounded, still marked', () => {
    const text = formatResult(long, { maxLength: full.length - 1 });
    expect(text.length).toBeLessThanOrEqual(full.length - 1);
    expect(text).toMatch(/characters cut/);
    expect(text.endsWith('=> 42')).toBe(true);
  });

  it('is always within maxLength and counts the cut exactly, for every length', () => {
    for (let maxLength = 0; maxLength <= full.length + 2; maxLength++) {
      const text = formatResult(long, { maxLength });
      expect(text.length).toBeLessThanOrEqual(maxLength);
      const match = /\n\.\.\.\((\d+) characters cut\)\.\.\.\n/.exec(text);
      if (match !== null) expect(text.length - match[0].length + Number(match[1])).toBe(full.length);
    }
  });

  it('0 gives an empty string; below the marker, a single … marks the cut', () => {
    expect(formatResult(long, { maxLength: 0 })).toBe('');
    expect(formatResult(long, { maxLength: 1 })).toBe('…');
    expect(formatResult(long, { maxLength: 2 })).toBe('…2');
    const small = formatResult(long, { maxLength: 10 });
    expect(small).toBe('aaaa…=> 42');
  });

  it('never splits a surrogate pair', () => {
    const emoji = ok('😀'.repeat(100), '1');
    for (const maxLength of [40, 41, 42, 43]) {
      const text = formatResult(emoji, { maxLength });
      expect(text.length).toBeLessThanOrEqual(maxLength);
      expect(text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it('rejects a maxLength that is not a non-negative integer or Infinity', () => {
    for (const maxLength of [-1, Number.NaN, 1.5, '10', null]) {
      expect(() => formatResult(long, { maxLength: maxLength as number })).toThrow(TypeError);
    }
    expect(() => formatResult(long, { maxLength: -1 })).toThrow('Expected `maxLength` to be a non-negative integer or Infinity, got `-1` (number)');
  });

  it('rejects what is not a RunResult', () => {
    expect(() => formatResult({ ok: true } as unknown as RunResult)).toThrow(/Expected `result` to be a RunResult/);
    expect(() => formatResult(undefined as unknown as RunResult)).toThrow(TypeError);
  });
});

describe('formatResult on real runs', () => {
  const sandbox = useSandbox({ warm: 1 });

  it('ok, exception in code and in setup, timeout', async () => {
    expect(formatResult(await sandbox.run('console.log("hi"); 6 * 7'))).toBe('hi\n=> 42');
    expect(formatResult(await sandbox.run('function f() { throw new RangeError("deep") }\nf()'))).toBe(
      'Exception: RangeError: deep\n    at f (<sandbox>:1:22)\n    at <sandbox>:2:1',
    );
    expect(formatResult(await sandbox.run('1', { setup: 'throw 42' }))).toBe('Exception in setup: Uncaught 42');
    expect(formatResult(await sandbox.run('console.log("a"); while (true) {}', { timeout: 200 }))).toBe('a\nTimeout: Timed out after 200 ms');
  });
});
