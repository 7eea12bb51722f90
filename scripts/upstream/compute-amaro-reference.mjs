#!/usr/bin/env node
// Computes the reference values in test/fixtures/upstream/amaro.json from
// amaro's own tests (nodejs/amaro, MIT): the TypeScript each of them hands to
// `transformSync`, and the programs test/loader.test.js runs, each with what a
// real Node 24 does with it.
//
// amaro's tests mostly compare the stripped *text* with a snapshot; what this
// library can be held to is the *behaviour*, so each input is run as Node 24
// runs TypeScript:
//
// - A snippet (index.test.js, transform.test.js) is stripped with Node's own
//   `module.stripTypeScriptTypes(input)` (strip-only, what
//   `--experimental-strip-types` does), and the JavaScript it gives is
//   evaluated by Node's REPL (a fresh `repl.start` per input, `useGlobal:
//   false`, its `console` writing into a buffer), the way
//   compute-repl-reference.mjs does: the outcome is the last expression's
//   value as `util.inspect` prints it, or the error's name, and what the code
//   printed. Where stripping throws (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX,
//   ERR_INVALID_TYPESCRIPT_SYNTAX) the outcome is that error. Cases marked
//   `mode: 'transform'` (an enum, a parameter property: strip-only refuses
//   them, and this library deliberately runs them) are stripped with
//   `{ mode: 'transform' }` instead — what `--experimental-transform-types`
//   does. transform.test.js passes every input in transform mode; those that
//   need no transformation are held to strip-only, as Node runs them by
//   default.
// - A program of test/fixtures/ (loader.test.js runs them as files with
//   amaro's loader) is written to a file of its name and run with
//   `node --experimental-strip-types` (or `--experimental-transform-types` for
//   `mode: 'transform'`); the outcome is its stdout, and the error it died of.
//
// The error message is recorded (`nodeError`) but not compared: messages come
// from different parsers (amaro/swc, sucrase, acorn, V8).
//
// Usage: node24 scripts/upstream/compute-amaro-reference.mjs [--write]
//   (or NODE24=/path/to/node24 node scripts/upstream/compute-amaro-reference.mjs [--write]:
//   under another Node it re-runs itself with $NODE24)
// Without --write it prints the JSON; with it, it rewrites the fixture, keeping
// the fixture's `knownDifferences` (those describe this library, not Node).
import { spawnSync } from 'node:child_process';
import { Console } from 'node:console';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import repl from 'node:repl';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import util from 'node:util';
import { emitFixture, previousFixture } from './fixture-file.mjs';

if (!process.versions.node.startsWith('24.')) {
  if (process.env.NODE24 === undefined) throw new Error(`run with Node 24 (this is ${process.version}), or set NODE24=/path/to/node24`);
  const rerun = spawnSync(process.env.NODE24, ['--no-warnings', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(rerun.status ?? 1);
}
process.removeAllListeners('warning'); // stripTypeScriptTypes is experimental: its warning is not the reference's

const REPO = 'nodejs/amaro';
const COMMIT = 'aa10506eb6115cbc7571237d6d1cfff20753ef9c'; // v1.1.11, the amaro Node 24.22 bundles
const INDEX = 'test/index.test.js @ 8b6498dac2ebef1d1103e25a0b86fbb4cfa3145f';
const TRANSFORM = 'test/transform.test.js @ e8b2a13326034c549b22671c09dc46fb7d3da6f3';
const LOADER = 'test/loader.test.js @ cf1e0975490823b1cf772c65c100ee82b55502c3';
const FIXTURE = new URL('../../test/fixtures/upstream/amaro.json', import.meta.url);
const TIMEOUT_MS = 10_000;

/** index.test.js "should handle deeply nested expressions": 178 nested parentheses around 179 comparisons (built here, checked against its length; verbatim in the fixture). */
const CURRENCIES = 'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWL'.split(' ');
const DEEPLY_NESTED = `var data = ""\nif(!${'('.repeat(CURRENCIES.length - 1)}${CURRENCIES.map((code, i) => (i === 0 ? `(data === "${code}")` : ` || (data === "${code}"))`)).join('')}) {\n  console.log("Hello");\n}`;
if (DEEPLY_NESTED.length !== 3979) throw new Error(`DEEPLY_NESTED is ${DEEPLY_NESTED.length} characters, upstream's is 3979`);

/**
 * The inputs, verbatim: `test` is the upstream test's title, `which` tells
 * apart the inputs of one test, `file` is a program of test/fixtures/ run as a
 * file; `appended` is code added after the upstream input (and included in
 * the case's `input`) to make visible what the upstream snapshot checked.
 */
const inputs = [
  { from: INDEX, test: "should perform type stripping", input: "const foo: string = 'bar';" },
  { from: INDEX, test: "should strip type annotations from functions", input: "function greet(name: string): void { console.log(name); }" },
  { from: INDEX, test: "should strip type annotations from classes", input: "\n    class MyClass {\n      myMethod(param: number): string {\n        return param.toString();\n      }\n    }\n  " },
  { from: INDEX, test: "should strip type annotations from interfaces", input: "\n    interface MyInterface {\n      myMethod(param: number): string;\n    }\n  " },
  { from: INDEX, test: "should strip type annotations from type aliases", input: "\n    type MyType = string | number;\n  " },
  { from: INDEX, test: "should strip type annotations from generics", input: "\n    function identity<T>(arg: T): T {\n      return arg;\n    }\n  " },
  { from: INDEX, test: "should strip type annotations from arrow functions", input: "\n    const greet = (name: string): void => {\n      console.log(name);\n    };\n  " },
  { from: INDEX, test: "should strip type annotations from type assertions", input: "\n    let someValue: any = \"this is a string\";\n    let strLength: number = (someValue as string).length;\n  " },
  { from: INDEX, test: "should handle User type and isAdult function", input: "\n    type User = {\n      name: string;\n      age: number;\n    };\n\n    function isAdult(user: User): boolean {\n      return user.age >= 18;\n    }\n  " },
  { from: INDEX, test: "should handle class modifiers", input: "\n\t\tclass PrivateConstructor {\n\t\t  private constructor() {}\n\t\t  public a() {}\n\t\t  protected b() {}\n\t\t  static create() {\n\t\t    return new PrivateConstructor()\n\t\t  }\n\t\t}\n\n\t\tconst ins = PrivateConstructor.create()\n\t\tconsole.log(ins)\n\t" },
  { from: INDEX, test: "should handle empty source code", which: "''", input: "" },
  { from: INDEX, test: "should not polyfill using Symbol.Dispose", input: "\n\tclass Resource {\n\t\t[Symbol.dispose]() { console.log(\"Disposed\"); }\n\t}\n\tusing r = new Resource();" },
  { from: INDEX, test: "should not polyfill using Symbol.asyncDispose", input: "\n\tclass AsyncResource {\n\t\tasync [Symbol.asyncDispose]() { console.log(\"Async disposed\"); }\n\t}\n\tawait using r = new AsyncResource();" },
  { from: INDEX, test: "should not break on return new line when stripped", input: "\n\tfunction mkId() {\n\t\treturn <T>\n\t\t\t(x: T)=>x;\n\t}\n\tconst id = mkId();\n\toutput = id(5);" },
  { from: INDEX, test: "should not break on return new line when stripped (alternative formatting)", input: "\n\tfunction mkId() {\n\t\treturn <\n\t\t\tT\n\t\t>(x: T)=>x;\n\t}\n\tconst id = mkId();\n\toutput = id(7);" },
  { from: INDEX, test: "should not throw on return new line when stripped", input: "\n\tfunction mkId() {\n\t\tthrow <\n\t\t\tT\n\t\t>(x: T)=>x;\n\t}\n\n\ttry {\n\t\tmkId();\n\t}\n\tcatch(e){\n\t\toutput = e(5);\n\t}" },
  { from: INDEX, test: "should not throw on yield new line when stripped", input: "\n\tfunction* mkId() {\n\t\tyield <\n\t\t\t\tT\n\t\t>(x: T)=>x;\n\t}\n\toutput= mkId().next().value(5);" },
  { from: INDEX, test: "should throw invalid syntax error", input: "const foo;" },
  { from: INDEX, test: "erasable namespaces and modules should be supported", which: "1 of 4", input: "namespace Empty {}" },
  { from: INDEX, test: "erasable namespaces and modules should be supported", which: "2 of 4", input: "namespace TypeOnly {\n    \t\ttype A = string;\n\n    \t\texport type B = A | number;\n\n   \t\t\texport interface I {}\n\n\t\t\texport namespace Inner {\n\t\t\t\texport type C = B;\n\t\t\t}\n\t\t}" },
  { from: INDEX, test: "erasable namespaces and modules should be supported", which: "3 of 4", input: "namespace My.Internal.Types {\n    \t\texport type Foo = number;\n\t\t}" },
  { from: INDEX, test: "erasable namespaces and modules should be supported", which: "4 of 4", input: "declare namespace C { export let x = 1 }" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "1 of 7", input: "namespace A { export let x = 1 }" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "2 of 7", input: "namespace With.Imports {\n    \t\timport Types = My.Internal.Types;\n    \t\texport type Foo = Types.Foo;\n\t\t}" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "3 of 7", input: "namespace B { ; } " },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "4 of 7", input: "module E { export let x = 1 }" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "5 of 7", input: "namespace A { export let x = 1; }\n         namespace B { import x = A.x; }\n         namespace C { export import x = A.x; }" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "6 of 7", input: "declare module    D { export let x = 1 }" },
  { from: INDEX, test: "should throw on non erasable namespace/module", which: "7 of 7", input: "module F { export type x = number }" },
  { from: INDEX, test: "should perform type stripping on nested generics", input: "const promiseWrapper = new Wrapper<<T>(x: T) => Promise<T>>(Promise.resolve.bind(Promise));" },
  { from: INDEX, test: "should handle deeply nested expressions", input: DEEPLY_NESTED },
  { from: INDEX, test: "should handle advanced type-level constructs", input: "\n\t\ttype Fn = (x: string) => number;\n\n\t\ttype ReturnType<T> = T extends (...args: any) => infer R ? R : never;\n\n\t\ttype X = ReturnType<Fn>;\n\n\t\ttype Props = { id: string; name: string };\n\t\ttype Keys = keyof Props;\n\n\t\ttype A = typeof Math;\n\t" },
  { from: INDEX, test: "should strip 'satisfies' expressions", input: "\n\t\tconst user = {\n\t\t\tname: \"Alice\",\n\t\t\tage: 30,\n\t\t} satisfies { name: string, age: number };\n\t" },
  { from: INDEX, test: "should preserve import/export type declarations", input: "\n\t\timport type { SomeType } from \"./types\";\n\t\texport type { SomeType };\n\t" },
  { from: INDEX, test: "should strip correctly private properties overload", input: "class Private {\n\t\t#foo(bar: string): string;\n\t\t#foo(bar: number): number;\n\t\t#foo(bar: string | number): string | number;\n\t\t#foo(bar: string | number): string | number {\n\t\t\treturn bar;\n\t\t}\n\t}" },
  { from: TRANSFORM, test: "should perform transformation without source maps", input: "\n    enum Foo {\n        Bar = 7,\n        Baz = 2,\n    }\n    output = Foo.Bar", mode: 'transform' },
  { from: TRANSFORM, test: "should perform transformation with error", input: "\n    enum Foo {\n        Bar = 7,\n        Baz = 2,\n    }\n    output = Foo.Bar;\n    throw new Error(\"foo\");", mode: 'transform' },
  { from: TRANSFORM, test: "should transform TypeScript class fields", input: "\n    class Counter {\n      count: number = 0;\n      increment() {\n        this.count++;\n      }\n    }\n\n\tconst counter = new Counter();\n    counter.increment();\n    output = counter.count;" },
  { from: TRANSFORM, test: "should transform TypeScript private class fields", input: "\n    class Counter {\n      #count: number = 0;\n      increment() {\n        this.#count++;\n      }\n      getCount(): number {\n        return this.#count;\n      }\n    }\n\n\tconst counter = new Counter();\n    counter.increment();\n    output = counter.getCount();" },
  { from: TRANSFORM, test: "should transform TypeScript type annotations and type guards", input: "\n    function isString(value: unknown): value is string {\n      return typeof value === 'string';\n    }\n\tconst check = isString(\"hello\");\n    output = check;" },
  { from: TRANSFORM, test: "should not transform TypeScript class decorators with multiple decorators", input: "\n\t@sealed\n\t@log\n\tclass BugReport {\n\t\ttype = \"report\";\n\t\ttitle: string;\n\t\tconstructor(t: string) {\n\t\tthis.title = t;\n\t\t}\n\t}\n\n\tfunction sealed(constructor: Function) {\n\t\tObject.seal(constructor);\n\t\tObject.seal(constructor.prototype);\n\t}\n\n\tfunction log(constructor: Function) {\n\t\tconsole.log(\"Creating instance of\", constructor.name);\n\t}\n\n\toutput = new BugReport(\"Test\");" },
  { from: TRANSFORM, test: "should transform TypeScript namespaces with additional functionality", input: "\n\tnamespace Validation {\n\t\texport interface StringValidator {\n\t\t\tisAcceptable(s: string): boolean;\n\t\t}\n\t\tconst lettersRegexp = /^[A-Za-z]+$/;\n\t\texport class LettersOnlyValidator implements StringValidator {\n\t\t\tisAcceptable(s: string) {\n\t\t\t\treturn lettersRegexp.test(s);\n\t\t\t}\n\t\t\tstatic createValidator(): LettersOnlyValidator {\n\t\t\t\treturn new LettersOnlyValidator();\n\t\t\t}\n\t\t}\n\t}\n\tconst validator = Validation.LettersOnlyValidator.createValidator();\n\tconst isValid = validator.isAcceptable(\"test\");\n\toutput = {\n\t\tvalidator,\n\t\tisValid\n\t}" },
  { from: TRANSFORM, test: "test native class properties", input: "\n\tclass Foo {\n\t\tx = console.log(1)\n\t\tconstructor(public y = console.log(2)) {\n\t\t\tconsole.log(3)\n\t\t}\n\t}", mode: 'transform' },
  { from: TRANSFORM, test: "test native class properties", which: "then `new Foo()`", input: "\n\tclass Foo {\n\t\tx = console.log(1)\n\t\tconstructor(public y = console.log(2)) {\n\t\t\tconsole.log(3)\n\t\t}\n\t}", mode: 'transform', appended: '\nnew Foo()' },
  { from: TRANSFORM, test: "test noEmptyExport", input: "\n\timport fs = require(\"fs\");\n\t" },
  { from: TRANSFORM, test: "should not polyfill using Symbol.Dispose", input: "\n\tusing r = 0;" },
  { from: TRANSFORM, test: "should not polyfill using Symbol.asyncDispose", input: "\n\tawait using r = 0;" },
  { from: TRANSFORM, test: "should handle short-circuit assignments (&&=, ||=, ??=)", input: "\n\t\tconst a = {}\n\n\t\ta.foo &&= `${a.foo}1`\n\t\tconsole.log(a.foo)\n\n\t\tconst b = {}\n\n\t\tb.foo ||= `${b.foo}1`\n\t\tconsole.log(b.foo)\n\n\t\tconst c = {}\n\n\t\tc.foo ??= `${c.foo}1`\n\t\tconsole.log(c.foo)\n\t" },
  { from: LOADER, file: "test/fixtures/hello.ts", input: "console.log(\"Hello, TypeScript!\");\n" },
  { from: LOADER, file: "test/fixtures/enum.ts", input: "enum Foo {\n\tA = \"Hello, TypeScript!\",\n}\nconsole.log(Foo.A);\n", mode: 'transform' },
  { from: LOADER, file: "test/fixtures/invalid-syntax.ts", input: "function foo(){\n    await Promise.resolve();\n}\n" },
  { from: LOADER, file: "test/fixtures/commonjs.ts", input: "const message: string = \"Hello from CommonJS TypeScript!\";\n\nfunction greet(name: string): void {\n    console.log(`${message} - ${name}`);\n}\n\nmodule.exports = { greet };\n\ngreet(\"Test\");\n" },
  { from: LOADER, file: "test/fixtures/commonjs.cts", input: "const message: string = \"Hello from CommonJS TypeScript (.cts)!\";\n\nfunction greet(name: string): void {\n    console.log(`${message} - ${name}`);\n}\n\nmodule.exports = { greet };\n\ngreet(\"Test\");\n" },
  { from: LOADER, file: "test/fixtures/esm.mts", input: "const message: string = \"Hello from ESM TypeScript!\";\n\nexport function greet(name: string): void {\n    console.log(`${message} - ${name}`);\n}\n\ngreet(\"Test\");\n" },
];

/** What is not ported, with why. */
const skipped = [
  { from: INDEX, test: 'should handle empty source code', which: 'transformSync(), ({}), (false), (undefined), (null)', reason: 'calls the API with something that is not a string: no program (the empty string is ported)' },
  { from: TRANSFORM, test: 'should perform transformation without source maps and filename', reason: "same input as 'should perform transformation without source maps'; tests the `filename` option, which changes no behaviour" },
  ...[
    'should perform transformation with source maps',
    'should perform transformation with source maps with uncommon chars',
    'should perform transformation with source maps no filename',
  ].map((test) => ({ from: TRANSFORM, test, reason: "tests the source map amaro returns (its mappings, sources, file name); the program is 'should perform transformation without source maps' (give or take a blank line)" })),
  ...['module F { export type x = number }', 'const foo;'].map((input, i) => ({
    from: TRANSFORM,
    test: 'should have proper error code',
    which: `${i + 1} of 2`,
    reason: `tests the error object amaro throws (its code, message, snippet, position); same input as index.test.js ${i === 0 ? "'should throw on non erasable namespace/module' (7 of 7)" : "'should throw invalid syntax error'"}`,
  })),
  ...['should warn and inaccurate stracktrace', 'should not warn and accurate stracktrace'].map((test) => ({
    from: LOADER,
    test,
    file: 'test/fixtures/stacktrace.ts',
    reason: 'tests the stack trace position of an error thrown from a setImmediate callback, with and without --enable-source-maps',
  })),
  ...['should call nextLoader for non-typescript files for striping', 'should call nextLoader for non-typescript files for transform'].map((test) => ({
    from: LOADER,
    test,
    file: 'test/fixtures/hello.js',
    reason: 'JavaScript, not TypeScript (tests that the loader hands other files on)',
  })),
  ...['should work with esm typescript files using strip', 'should work with esm typescript files using transform'].map((test) => ({
    from: LOADER,
    test,
    file: 'test/fixtures/esm/esm.ts',
    reason: 'same program as test/fixtures/esm.mts; tests module-format detection for a .ts file next to a package.json without "type", which a sandbox run has no notion of',
  })),
];

/** `name: message` (first line) of an error, with its code when it has one. */
function describeError(error) {
  const message = String(error?.message ?? error).split('\n')[0];
  return { name: error?.name ?? 'Uncaught', ...(error?.code === undefined ? {} : { code: error.code }), message };
}

/** Evaluates JavaScript in a fresh Node REPL, as compute-repl-reference.mjs does, with a console writing into `printed`. */
function evaluateInRepl(code) {
  return new Promise((resolve) => {
    const input = new PassThrough();
    const sink = new PassThrough();
    const server = repl.start({ input, output: new PassThrough(), prompt: '', terminal: false, useGlobal: false });
    let printed = '';
    sink.on('data', (chunk) => { printed += String(chunk); });
    server.context.console = new Console({ stdout: sink, stderr: sink, colorMode: false });
    const timer = setTimeout(() => { finish({ timeout: true }); }, TIMEOUT_MS);
    let done = false;
    function finish(outcome) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.close();
      // The sink's data events are asynchronous: read it on the next turn.
      setImmediate(() => resolve({ ...outcome, printed }));
    }
    // The REPL binds its eval to a domain of its own: an error the code throws
    // reaches that domain (which prints `Uncaught …`), not eval's callback.
    server._domain.on('error', (error) => finish({ error }));
    server.eval(code, server.context, 'repl', (error, value) => {
      if (error) finish({ error });
      else finish({ value });
    });
  });
}

async function snippetOutcome(input, mode) {
  let js;
  try {
    js = nodeModule.stripTypeScriptTypes(input, { mode });
  } catch (error) {
    return { expected: { error: error.name, output: '' }, nodeError: describeError(error) };
  }
  const run = await evaluateInRepl(js);
  if (run.timeout) throw new Error(`no value within ${TIMEOUT_MS} ms: ${JSON.stringify(input)}`);
  if (run.error instanceof repl.Recoverable) throw new Error(`Node's REPL asks for more input: ${JSON.stringify(input)}`);
  if (run.error) return { expected: { error: run.error.name ?? 'Uncaught', output: run.printed }, nodeError: describeError(run.error) };
  return { expected: { inspected: util.inspect(run.value), output: run.printed } };
}

/** The uncaught error Node printed: `Name [CODE]: message` or `Name: message`. */
function errorFromStderr(stderr) {
  for (const line of stderr.split('\n')) {
    const match = /^([A-Za-z]*Error)(?: \[([A-Z_]+)\])?: (.*)$/.exec(line);
    if (match) return { name: match[1], ...(match[2] === undefined ? {} : { code: match[2] }), message: match[3] };
  }
  return { name: 'unknown', message: stderr.split('\n').find((line) => line.trim() !== '') ?? '' };
}

function fileOutcome(dir, file, input, mode) {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, input);
  const flag = mode === 'transform' ? '--experimental-transform-types' : '--experimental-strip-types';
  const run = spawnSync(process.execPath, [flag, '--no-warnings', path], {
    cwd: dir,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
  });
  if (run.error) throw run.error;
  if (run.status === 0) return { expected: { output: run.stdout } };
  const error = errorFromStderr(run.stderr);
  return { expected: { error: error.name, output: run.stdout }, nodeError: error };
}

const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-amaro-reference-'));
const cases = [];
try {
  for (const { from, test, which, file, input, appended, mode = 'strip' } of inputs) {
    const suite = from.replace(/^test\/(.*) @ .*$/, '$1');
    const name = `${suite}: ${file !== undefined ? `${file.replace('test/', '')} (run as a file)` : `${test}${which === undefined ? '' : ` (${which})`}`}`;
    const code = input + (appended ?? '');
    const outcome = file !== undefined ? fileOutcome(dir, file, code, mode) : await snippetOutcome(code, mode);
    cases.push({
      name,
      from,
      ...(file === undefined ? {} : { file, runAs: 'file' }),
      ...(mode === 'transform' ? { mode: 'transform' } : {}),
      input: code,
      ...(appended === undefined ? {} : { appended }),
      ...outcome,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const names = new Set(cases.map((c) => c.name));
if (names.size !== cases.length) throw new Error('case names must be unique');

const previous = previousFixture(FIXTURE);
const fixture = {
  source: `${REPO} test/ @ ${COMMIT}`,
  commit: COMMIT,
  license: 'MIT',
  referenceNode: process.version,
  referenceAmaro: process.versions.amaro,
  computedBy: 'scripts/upstream/compute-amaro-reference.mjs',
  cases,
  skipped,
  knownDifferences: previous.knownDifferences ?? [],
};
emitFixture(FIXTURE, fixture, `wrote ${cases.length} cases, ${skipped.length} skipped`);
