#!/usr/bin/env node
// Computes the reference values in test/fixtures/upstream/repl-top-level-await.json
// by evaluating each input in Node's own REPL (a fresh `repl.start` per input,
// `useGlobal: false`, so each input gets a context of its own), through the
// REPL server's `eval` (its defaultEval, where Node applies its top-level-await
// rewrite when the input contains `await`).
//
// Usage: node scripts/upstream/compute-repl-reference.mjs [--write]
// Without --write it prints the JSON; with it, it rewrites the fixture, keeping
// the fixture's `knownDifferences` (those describe this library, not Node).
//
// Inputs are from Node's test/parallel/test-repl-preprocess-top-level-await.js
// and the self-contained lines of test/parallel/test-repl-top-level-await.js
// (nodejs/node, MIT licence).
import { PassThrough } from 'node:stream';
import repl from 'node:repl';
import util from 'node:util';
import { emitFixture, previousFixture } from './fixture-file.mjs';

const PREPROCESS = 'nodejs/node test/parallel/test-repl-preprocess-top-level-await.js @ 1a66cc657101460c9a3324284d5fb3bf6a8afb12';
const TOP_LEVEL = 'nodejs/node test/parallel/test-repl-top-level-await.js @ 08e1c89b4efcdd065b44b64231eb8417b355e9db';
const FIXTURE = new URL('../../test/fixtures/upstream/repl-top-level-await.json', import.meta.url);
const TIMEOUT_MS = 2000;

const surrogate = '"\u{1F601}\u{1f468}\u200d\u{1f469}\u200d\u{1f467}\u200d\u{1f466}"';

/** Inputs of the preprocess table, in its order (its duplicate line kept once). */
const preprocessInputs = [
  '0',
  'await 0',
  `await ${surrogate}`,
  'await 0;',
  'await 0;;;',
  `await ${surrogate};`,
  '(await 0)',
  `(await ${surrogate})`,
  '(await 0);',
  `(await ${surrogate});`,
  'async function foo() { await 0; }',
  'async () => await 0',
  'class A { async method() { await 0 } }',
  'await 0; return 0;',
  `await ${surrogate}; await ${surrogate};`,
  'var a = await 1',
  `var a = await ${surrogate}`,
  'let a = await 1',
  'const a = await 1',
  'for (var i = 0; i < 1; ++i) { await i }',
  'for (let i = 0; i < 1; ++i) { await i }',
  'var {a} = {a:1}, [b] = [1], {c:{d}} = {c:{d: await 1}}',
  'let [a, b, c] = await ([1, 2, 3])',
  'let {a,b,c} = await ({a: 1, b: 2, c: 3})',
  'let {a: [b]} = {a: [await 1]}, [{d}] = [{d: 3}]',
  'console.log(`${(await { a: 1 }).a}`)',
  'await 0; function foo() {}',
  'await 0; class Foo {}',
  'if (await true) { function foo() {} }',
  'if (await true) { class Foo{} }',
  'if (await true) { var a = 1; }',
  'if (await true) { let a = 1; }',
  'var a = await 1; let b = 2; const c = 3;',
  'let o = await 1, p',
  'await (async () => { let p = await 1; return p; })()',
  '{ let p = await 1; }',
  'var p = await 1',
  'await (async () => { var p = await 1; return p; })()',
  '{ var p = await 1; }',
  'for await (var i of asyncIterable) { i; }',
  'for await (var [i] of asyncIterable) { i; }',
  'for await (var {i} of asyncIterable) { i; }',
  'for await (var [{i}, [j]] of asyncIterable) { i; }',
  'for await (let i of asyncIterable) { i; }',
  'for await (const i of asyncIterable) { i; }',
  'for (var i of [1,2,3]) { await 1; }',
  'for (var [i] of [[1], [2]]) { await 1; }',
  'for (var {i} of [{i: 1}, {i: 2}]) { await 1; }',
  'for (var [{i}, [j]] of [[{i: 1}, [2]]]) { await 1; }',
  'for (let i of [1,2,3]) { await 1; }',
  'for (const i of [1,2,3]) { await 1; }',
  'for (var i in {x:1}) { await 1 }',
  'for (var [a,b] in {xy:1}) { await 1 }',
  'for (let i in {x:1}) { await 1 }',
  'for (const i in {x:1}) { await 1 }',
  'var x = await foo(); async function foo() { return Promise.resolve(1);}',
  '(await x).y',
  'await (await x).y',
  'var { ...rest } = await {}',
];

/** Lines of the interactive test that need nothing typed before them. */
const topLevelInputs = [
  'await Promise.resolve(0)',
  '{ a: await Promise.resolve(1) }',
  'let { aa, bb } = await Promise.resolve({ aa: 1, bb: 2 }), f = 5;',
  'let cc = await Promise.resolve(2)',
  'let dd;',
  'let [ii, { abc: { kk } }] = [0, { abc: { kk: 1 } }];',
  'var ll = await Promise.resolve(2);',
  'const n = foo(await\nkoo());',
  '`status: ${(await Promise.resolve({ status: 200 })).status}`',
  'for (let i = 0; i < 2; ++i) await i',
  'for (let i = 0; i < 2; ++i) { await i }',
  'await 0; function foo() {}',
  'class Foo {}; await 1;',
  'if (await true) { function bar() {}; }',
  'if (await true) { class Bar {}; }',
  'await 0; function* gen(){}',
  'for (var i = 0; i < 10; ++i) { await i; }',
  'for (let j = 0; j < 5; ++j) { await j; }',
  'return 42; await 5;',
  'let q = 1, s = await 2',
  'for await (let i of [1,2,3]) console.log(i)',
  'await Promise..resolve()',
  'for (const x of [1,2,3]) {\nawait x\n}',
  'for (const x of [1,2,3]) {\nawait x;\n}',
  'for await (const x of [1,2,3]) {\nconsole.log(x)\n}',
  'for await (const x of [1,2,3]) {\nconsole.log(x);\n}',
  'await Promise.resolve(123), Promise.resolve(456)',
  'await Promise.resolve(123), await Promise.resolve(456)',
  'await (Promise.resolve(123), Promise.resolve(456))',
];

/** Inputs not ported, with why; matched exactly. */
const skipReasons = new Map([
  ...[
    'for await (var i of asyncIterable) { i; }',
    'for await (var [i] of asyncIterable) { i; }',
    'for await (var {i} of asyncIterable) { i; }',
    'for await (var [{i}, [j]] of asyncIterable) { i; }',
    'for await (let i of asyncIterable) { i; }',
    'for await (const i of asyncIterable) { i; }',
  ].map((input) => [input, 'uses `asyncIterable`, which the upstream table never defines (it only checks the rewrite)']),
  ...['(await x).y', 'await (await x).y'].map((input) => [input, 'uses `x`, which the upstream table never defines (it only checks the rewrite)']),
  ['const n = foo(await\nkoo());', 'uses `foo` and `koo`, defined by earlier lines of the interactive session'],
]);

function evaluate(code) {
  return new Promise((resolve) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk) => { printed += String(chunk); });
    const server = repl.start({ input, output, prompt: '', terminal: false, useGlobal: false });
    // console.log inside the REPL context writes to the process stdout; that is fine here.
    const timer = setTimeout(() => { finish({ timeout: true }); }, TIMEOUT_MS);
    let done = false;
    function finish(outcome) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.close();
      resolve({ ...outcome, printed });
    }
    server.eval(code, server.context, 'repl', (error, value) => {
      if (error) finish({ error });
      else finish({ value });
    });
  });
}

/**
 * The REPL's domain installs async hooks, which tag promises with their async
 * ids (`[Symbol(async_id_symbol)]: 1090`): numbers that change from run to
 * run and that no REPL user sees without hooks. They are dropped.
 */
function withoutAsyncIds(value) {
  if (value instanceof Promise || (typeof value === 'object' && value !== null && util.types.isPromise(value))) {
    for (const symbol of Object.getOwnPropertySymbols(value)) {
      if (/^(trigger_)?async_id_symbol$/.test(symbol.description ?? '')) delete value[symbol];
    }
  }
  return value;
}

function describeError(error) {
  // A Recoverable is the REPL asking for more lines: the input is incomplete.
  if (error instanceof repl.Recoverable) return { recoverable: true, inner: describeError(error.err) };
  return { name: error?.name, message: error?.message };
}

const cases = [];
const skipped = [];
const seen = new Set();
for (const [source, inputs] of [[PREPROCESS, preprocessInputs], [TOP_LEVEL, topLevelInputs]]) {
  for (const input of inputs) {
    if (seen.has(input)) continue;
    seen.add(input);
    const from = source === PREPROCESS ? 'preprocess' : 'top-level';
    if (skipReasons.has(input)) {
      skipped.push({ input, from, reason: skipReasons.get(input) });
      continue;
    }
    const outcome = await evaluate(input);
    if (outcome.timeout) {
      skipped.push({ input, from, reason: `timeout: no value within ${TIMEOUT_MS} ms in Node's REPL` });
      continue;
    }
    if (outcome.error) {
      const error = describeError(outcome.error);
      if (error.recoverable) {
        skipped.push({ input, from, reason: `Node's REPL asks for more input (Recoverable ${error.inner.name}: ${error.inner.message})` });
        continue;
      }
      cases.push({ input, from, expected: { error } });
    } else {
      cases.push({ input, from, expected: { inspected: util.inspect(withoutAsyncIds(outcome.value)) } });
    }
  }
}

const previous = previousFixture(FIXTURE);
const fixture = {
  source: PREPROCESS,
  alsoFrom: TOP_LEVEL,
  license: 'MIT',
  referenceNode: process.version,
  computedBy: 'scripts/upstream/compute-repl-reference.mjs',
  cases,
  skipped,
  knownDifferences: previous.knownDifferences ?? [],
};
emitFixture(FIXTURE, fixture, `wrote ${cases.length} cases, ${skipped.length} skipped`);
