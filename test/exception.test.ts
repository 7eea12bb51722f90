import { describe, expect, it } from 'vitest';
import { expectError, expectOk, LEVELS, useSandbox } from './helpers.js';

describe.each(LEVELS)('%s: exceptions of the evaluated code are values', (isolation) => {
  const sandbox = useSandbox({ isolation, warm: 2 });

  it('a thrown Error: name, message, value, and a stack of the user frames only', async () => {
    const code = 'function inner() {\n  throw new RangeError("too far");\n}\nconsole.log("before");\ninner();';
    const result = expectError(await sandbox.run(code), 'exception');
    expect(result.output).toBe('before\n');
    expect(result.error).toMatchObject({ type: 'exception', phase: 'eval', name: 'RangeError', message: 'too far' });
    expect(result.error.value).toBeInstanceOf(Error);
    expect(result.error.stack).toBe('RangeError: too far\n    at inner (<sandbox>:2:9)\n    at <sandbox>:5:1');
  });

  it('keeps frames of library code the user called, below the user frames nothing', async () => {
    const result = expectError(await sandbox.run('[1].map(() => { throw new Error("in map") })'), 'exception');
    const frames = result.error.stack.split('\n').slice(1);
    expect(frames[0]).toMatch(/at <sandbox>:1:23/);
    expect(frames.at(-1)).toMatch(/<sandbox>:1:5/);
    expect(result.error.stack).not.toMatch(/node:vm|harness|worker\.cjs/);
  });

  it('with top-level await, frames keep the columns the user wrote', async () => {
    const code = 'async function f() { throw new RangeError("r") }\nconst v = await 1; await f()';
    const result = expectError(await sandbox.run(code), 'exception');
    expect(result.error.stack.split('\n').slice(0, 3)).toEqual(['RangeError: r', '    at f (<sandbox>:1:28)', '    at <sandbox>:2:26']);
    const last = expectError(await sandbox.run('const x = await 1; [x.y.z]'), 'exception');
    expect(last.error.stack).toBe("TypeError: Cannot read properties of undefined (reading 'z')\n    at <sandbox>:1:25");
  });

  it('in TypeScript, frames keep the columns the user wrote, types and all', async () => {
    const code = 'const a: number = 1;\nconst b: string[] = [String(a), nope];';
    const result = expectError(await sandbox.run(code, { language: 'ts' }), 'exception');
    expect(result.error.stack).toBe('ReferenceError: nope is not defined\n    at <sandbox>:2:33');
  });

  it('an error the code prints or reads shows only user frames', async () => {
    const code = 'try { null.x } catch (e) { console.error(e) }\nconsole.log(new Error("shown"))\nnew Error("read").stack';
    const result = expectOk(await sandbox.run(code));
    expect(result.output).toBe(
      "TypeError: Cannot read properties of null (reading 'x')\n    at <sandbox>:1:12\nError: shown\n    at <sandbox>:2:13\n",
    );
    expect(result.result).toBe('Error: read\n    at <sandbox>:3:1');
  });

  it("errors Node makes for the code (fs, argument checks) show Node's frames, then the user's, and never ours", async () => {
    const code = 'try { require("fs").readFileSync("/definitely/not/here") } catch (e) { console.log(e.stack) }\ntry { require("fs").readFileSync({}) } catch (e) { console.log(e.stack) }';
    const output = expectOk(await sandbox.run(code)).output;
    const [enoent = '', invalid = ''] = output.split(/\n(?=\S)/);
    expect(enoent).toMatch(/^Error: ENOENT: no such file or directory, open '\/definitely\/not\/here'\n(?: {4}at .*\(node:fs:\d+:\d+\)\n)+ {4}at <sandbox>:1:21$/);
    // Node's own errors are headed with their code, as Node's default formatter does.
    expect(invalid).toMatch(/^TypeError \[ERR_INVALID_ARG_TYPE\]: The "path" argument must be .*\n(?: {4}at .*\n)* {4}at <sandbox>:2:21\n$/);
    expect(output).not.toMatch(/harness|worker\.cjs|process\.cjs|context\.cjs|node:vm/);
  });

  it("honours the code's own Error.prepareStackTrace", async () => {
    const code = 'Error.prepareStackTrace = (error, frames) => `${error.message}@${frames[0].getLineNumber()}`;\nnew Error("mine").stack';
    expect(expectOk(await sandbox.run(code)).result).toBe('mine@2');
  });

  it('a thrown non-Error: the value itself, name Uncaught', async () => {
    const result = expectError(await sandbox.run('throw 42'), 'exception');
    expect(result.error).toMatchObject({ name: 'Uncaught', message: '42', value: 42 });
    const object = expectError(await sandbox.run('throw { code: "E_X" }'), 'exception');
    expect(object.error.value).toEqual({ code: 'E_X' });
    expect(object.error.message).toBe("{ code: 'E_X' }");
  });

  it('a SyntaxError points at the user line, not at the harness', async () => {
    const result = expectError(await sandbox.run('const ok = 1;\nconst = 2;'), 'exception');
    expect(result.error.name).toBe('SyntaxError');
    expect(result.error.stack).toMatch(/^<sandbox>:2\nconst = 2;\n/);
    expect(result.error.stack).not.toMatch(/node:vm|worker\.cjs/);
  });

  it('a SyntaxError in code with top-level await names the mistake, not the await', async () => {
    const result = expectError(await sandbox.run('const a = await 1;\nconst b = a +;\nb'), 'exception');
    expect(result.error).toMatchObject({ name: 'SyntaxError', message: 'Unexpected token (2:14)', phase: 'eval' });
    expect(result.error.stack).toBe('<sandbox>:2\nconst b = a +;\n             ^\n\nSyntaxError: Unexpected token (2:14)');
  });

  it('a rejected final promise is an exception', async () => {
    const result = expectError(await sandbox.run('Promise.reject(new Error("nope"))'), 'exception');
    expect(result.error.message).toBe('nope');
  });

  it('an error thrown later by a timer, before the value settles, is an exception with its own stack', async () => {
    const code = 'setTimeout(() => {\n  throw new Error("from a timer");\n}, 5);\nnew Promise(() => {})';
    const result = expectError(await sandbox.run(code, { timeout: 10_000 }), 'exception');
    expect(result.error.message).toBe('from a timer');
    expect(result.error.stack).toMatch(/<sandbox>:2:9/);
  });

  it('an unhandled rejection before the value settles is an exception', async () => {
    const code = 'Promise.reject(new TypeError("unhandled")); new Promise((r) => setTimeout(r, 200))';
    const result = expectError(await sandbox.run(code), 'exception');
    expect(result.error).toMatchObject({ name: 'TypeError', message: 'unhandled' });
  });

  it('an Error whose getters throw is still reported', async () => {
    const code = 'const e = new Error("m"); Object.defineProperty(e, "name", { get() { throw new Error("x") } }); throw e';
    const result = expectError(await sandbox.run(code), 'exception');
    expect(result.error.message).toBe('m');
    expect(result.error.name).toBe('Error');
  });
});
