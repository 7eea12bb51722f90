#!/usr/bin/env node
// Computes the reference values in test/fixtures/upstream/repl-completion.json:
// the classic (non-await) REPL completion values, from Node's own REPL tests
// (nodejs/node, MIT licence) and from cases added here for the completion-value
// rules those tests only imply (`from: "added"`).
//
// Each input is typed into Node's own REPL: a fresh `repl.start` per input
// (`useGlobal: false`, so each input gets a context of its own, `terminal:
// false`), the input written to its input stream followed by a newline, as
// Node's tests send it. The REPL reads it line by line, so an input of several
// lines is buffered until it parses (or fails), exactly as when typed. What the
// REPL then prints is recorded:
//  - a value: `{ inspected }`, the text the REPL's writer prints for it (its
//    `util.inspect`, with `showProxy: true`);
//  - an error: `{ error: { name, message } }` for a thrown Error; for any other
//    thrown value, which the REPL prints as `Uncaught <value>`, `{ error: {
//    name: 'Uncaught', message: <value as the writer prints it> } }` (the shape
//    this library gives a thrown non-Error).
// An input the REPL evaluates as several inputs (a line that completes before
// the last), one it prints nothing for (an empty line), or one it still waits
// on at the end (incomplete), is listed in `skipped` with why.
//
// Usage: node scripts/upstream/compute-repl-completion-reference.mjs [--write] [--other-host]
// Without --write it prints the JSON; with it, it rewrites the fixture, keeping
// the fixture's `knownDifferences` (those describe this library, not Node) and
// `otherHosts`. The reference is Node 20 (`referenceNode`); run on another
// major with --other-host, it only records, under `otherHosts[version]`, the
// cases that major's REPL prints otherwise (e.g. V8's newer JSON.parse wording).
import { PassThrough } from 'node:stream';
import repl from 'node:repl';
import util from 'node:util';
import { emitFixture, previousFixture } from './fixture-file.mjs';

const FIXTURE = new URL('../../test/fixtures/upstream/repl-completion.json', import.meta.url);
const TIMEOUT_MS = 2000;

/** The upstream files read, each at the commit read (nodejs/node, MIT). */
const SOURCES = {
  'test-repl.js': 'e98324651accb68dd48a60ee2445a251921cea29',
  'test-repl-multiline.js': 'b0b9e747f86644ccb07a08226b6048f9e7a782f4',
  'test-repl-let-process.js': '462c37e4e8934b8028243fd6059306dd9e3162bc',
  'test-repl-function-definition-edge-case.js': '1d9076c5338a222bc40408428385216f48aded15',
  'test-repl-underscore.js': '08e6eeee70efbe26d149d7726eca0b9bbbbfcf16',
  'test-repl-mode.js': '4f3c761ac010ed597921650100637dd0d5340824',
  'test-repl-throw-null-or-undefined.js': '8fb44460994883ce3e64e27d93c64e2a5bd7f8bf',
  'test-repl-null-thrown.js': 'c206b9d27238ed0648f0d7633c7b5a81cb72d472',
  'test-repl-unexpected-token-recoverable.js': 'e05c9b16223681e37cee275a18d68ffb08f5485a',
  'test-repl-strict-mode-previews.js': 'd810e964809000200e4d8ed8a201db2f9cae2f38',
  'test-repl-empty.js': '445ec6d65552ceff61b6920348e0b213a35a7a37',
  'test-repl-null.js': '0ac6b81e0e6ac4a9363cb891d1b8c81be511df8e',
  'test-repl-recoverable.js': 'c206b9d27238ed0648f0d7633c7b5a81cb72d472',
};
const sourceLine = (file) => `nodejs/node test/parallel/${file} @ ${SOURCES[file]}`;

/** Files read that have no input of their own to port, and why. */
const NOT_PORTED = {
  'test-repl-empty.js': 'its one input, an empty line, is test-repl.js\'s `\'\'` (skipped there: the REPL prints nothing for it)',
  'test-repl-null.js': 'emits a `line` event with `null` on a REPLServer: no input text',
  'test-repl-recoverable.js': 'checks a custom `eval` returning `Recoverable`: no input evaluated by the REPL',
};

// Skip reasons, shared by several inputs.
const EARLIER = (what) => `uses ${what}, defined by an earlier line of the session`;
const HARNESS = (what) => `uses ${what}, set up by the upstream test's harness, not by an input`;
const COMMAND = (command) => `the REPL command \`${command}\`, not JavaScript`;
const UNDERSCORE = 'reads or assigns the REPL\'s `_` (last value), which needs earlier lines';
const STRICT = 'runs in the REPL\'s strict mode (`replMode: REPL_MODE_STRICT` / `--use-strict`), which has no counterpart here';

/**
 * Upstream inputs, in file order. `send` is what the test writes (a newline is
 * added, as the tests add it); an array is several sends of one input, ported
 * joined with `\n` (`joined: true` in the fixture). `skip` gives why an input
 * is not ported.
 */
const npmTokens = [
  '(\n)', '[\n0]', '+\n1', '- \n1', '* \n1', '/ \n1', '% \n1', '** \n1',
  '== \n1', '=== \n1', '!= \n1', '!== \n1', '< \n1', '> \n1', '<= \n1', '>= \n1',
  '&& \n1', '|| \n1', '?? \n1', '= \n1', '+= \n1', '-= \n1', '*= \n1', '/= \n1', '%= \n1',
  ': \n', '? \n1: 1',
];
const upstream = {
  'test-repl.js': [
    // unixTests
    { send: '' },
    { send: 'message', skip: HARNESS('`message`') },
    { send: 'invoke_me(987)', skip: HARNESS('`invoke_me`') },
    { send: 'a = 12345' },
    { send: '{a:1}' },
    // strictModeTests
    { send: 'ref = 1', skip: STRICT },
    // errorTests
    { send: 'throw new Error(\'test error\');' },
    { send: "throw { foo: 'bar' };" },
    { send: 'function test_func() {', skip: 'incomplete: the REPL waits for more lines, and the test abandons it with `.break`' },
    { send: '.break', skip: COMMAND('.break') },
    { send: 'eval("function test_func() {")' },
    { send: '`io.js', skip: 'incomplete: the REPL waits for more lines, and the test abandons it with `.break`' },
    { send: ['`io.js ${"1.0"', '+ ".2"}`'] },
    { send: ['`io.js ${', '"1.0" + ".2"}`'] },
    { send: ['("a"', '.charAt(0))'] },
    { send: '.1234' },
    { send: '.1+.1' },
    { send: 'JSON.parse(\'{"valid": "json"}\');' },
    { send: 'JSON.parse(\'{invalid: \\\'json\\\'}\');' },
    { send: 'JSON.parse(\'066\');' },
    { send: 'JSON.parse(\'{\');' },
    { send: '/(/;' },
    { send: 'new RegExp("foo", "wrong modifier");' },
    { send: '(function() { "use strict"; return 0755; })()' },
    { send: '(function(a, a, b) { "use strict"; return a + b + c; })()' },
    { send: '(function() { "use strict"; with (this) {} })()' },
    { send: '(function() { "use strict"; var x; delete x; })()' },
    { send: '(function() { "use strict"; eval = 17; })()' },
    { send: '(function() { "use strict"; if (true) function f() { } })()' },
    { send: 'function blah() { return 1; }' },
    { send: 'blah()', skip: EARLIER('`blah`') },
    { send: 'var I = [1,2,3,function() {}]; I.pop()' },
    { send: ['{ a: ', '1 }'] },
    { send: ['{ "a": ', '1 }'] },
    { send: ['class Foo { #private = true ', 'num = 123456789n', 'static foo = "bar" }'] },
    { send: ['(function() {', '// blah', 'return 1n;', '})()'] },
    { send: ['function f(){}; f(f(1,', '2)', ')'] },
    { send: 'npm install foobar', skip: 'the REPL answers a line starting with `npm ` that does not parse with its own hint (run npm in a shell), not the SyntaxError' },
    { send: 'let npm = () => {};' },
    ...npmTokens.map((token) => ({ send: `npm ${token}; undefined`, skip: EARLIER('`npm`') })),
    { send: '(function() {\n\nreturn 1;\n})()' },
    { send: '{\n\na: 1\n}' },
    { send: 'url.format("http://google.com")' },
    { send: 'var path = 42; path' },
    { send: '.invalid_repl_command', skip: COMMAND('.invalid_repl_command') },
    { send: '.toString', skip: COMMAND('.toString') },
    { send: '[] \\' },
    { send: '\'the\\\nfourth\\\neye\'' },
    { send: '  \t    .break  \t  ', skip: COMMAND('.break') },
    { send: '\'the \\\n   fourth\t\t\\\n  eye  \'' },
    { send: '\'the \\\n   fourth\' +  \'\t\t\\\n  eye  \'' },
    { send: '\'\\\n.break', skip: COMMAND('.break') + ' (on the line after an open string)' },
    { send: '\'thefourth\\\n.help\neye\'', skip: COMMAND('.help') + ' (on a line inside an open string)' },
    { send: '{ a: 1 }.a' },
    { send: '{ a: 1 }.a;' },
    { send: '{ a: 1 }["a"] === 1' },
    { send: '{ a: 1 }["a"] === 1;' },
    { send: '\n\r\n\r\n' },
    { send: '\'the\\\n\\\nfourtheye\'\n' },
    { send: '/(.)(.)(.)(.)(.)(.)(.)(.)(.)/.test(\'123456789\')\n' },
    {
      send: 'RegExp.$1\nRegExp.$2\nRegExp.$3\nRegExp.$4\nRegExp.$5\nRegExp.$6\nRegExp.$7\nRegExp.$8\nRegExp.$9\n',
      skip: 'nine inputs (one a line), reading the RegExp statics the match of an earlier line set',
    },
    { send: 'function x() {\nreturn \'\\n\';\n }' },
    { send: 'function x() {\nreturn \'\\\\\';\n }' },
    { send: 'function x() {\n//\'\n }' },
    { send: 'function x() {\n//"\n }' },
    { send: 'function x() {//\'\n }' },
    { send: 'function x() {//"\n }' },
    { send: 'function x() {\nvar i = "\'";\n }' },
    { send: 'function x(/*optional*/) {}' },
    { send: 'function x(/* // 5 */) {}' },
    { send: '// /* 5 */' },
    { send: '"//"' },
    { send: '"data /*with*/ comment"' },
    { send: 'function x(/*fn\'s optional params*/) {}' },
    { send: '/* \'\n"\n\'"\'\n*/' },
    { send: 'Error.stackTraceLimit = 4; require("internal/repl")' },
    { send: "function x(s) {\nreturn s.replace(/'/,'');\n}" },
    { send: "function x(s) {\nreturn s.replace(/'/,'');\n}" },
    { send: 'function x(s) {\nreturn s.replace(/"/,"");\n}' },
    { send: 'function x(s) {\nreturn s.replace(/.*/,"");\n}' },
    { send: '{ var x = 4; }' },
    { send: 'a = 3.5e' },
    { send: 'function name(){ return "node"; };name()' },
    { send: 'function name(){ return "nodejs"; };name()' },
    { send: 'a = 3.5e' },
    { send: 'a = 3.5e' },
    { send: 'function* foo() {}; foo().next();' },
    { send: 'function *foo() {}; foo().next();' },
    { send: 'function*foo() {}; foo().next();' },
    { send: 'function * foo() {}; foo().next()' },
    { send: 'function foo() {\nvar bar = 1 / 1; // "/"\n}' },
    { send: '(function() {\nreturn /foo/ / /bar/;\n}())' },
    { send: '(function() {\nif (false) {} /bar"/;\n}())' },
    { send: 'new Proxy({x:42}, {get(){throw null}});' },
    { send: 'repl.writer.options.showProxy = false, new Proxy({x:42}, {});' },
    { send: '`foo \n`' },
    { send: ' \t  \n' },
    { send: '...[]' },
    { send: 'console.log("Missing comma in arg list" process.version)' },
    { send: 'x = {\nfield\n{' },
    { send: '(2 + 3))' },
    { send: ['if (typeof process === "object"); {', 'console.log("process is defined");', '} else {'] },
    { send: 'console' },
    // tcpTests
    { send: 'invoke_me(333)', skip: HARNESS('`invoke_me`') },
    { send: 'a += 1', skip: EARLIER('`a` (`a = 12345`)') },
    { send: 'require("<test/fixtures/a.js>").number', skip: 'requires a file of Node\'s test fixtures (test/fixtures/a.js) by its absolute path' },
    { send: 'import comeOn from \'fhqwhgads\'' },
    { send: 'import { export1, export2 } from "module-name"' },
    { send: 'import * as name from "module-name";' },
    { send: 'import "module-name";' },
    { send: 'import { export1 as localName1, export2 } from "bar";' },
    { send: 'import alias from "bar";' },
    { send: 'import alias, {namedExport} from "bar";' },
  ],
  'test-repl-multiline.js': [
    { send: ['const foo = {', '};'] },
    { send: 'foo', skip: EARLIER('`foo`') },
  ],
  'test-repl-let-process.js': [{ send: 'let process' }],
  'test-repl-function-definition-edge-case.js': [
    { send: 'function a() { return 42; } (1)' },
    { send: 'a', skip: EARLIER('`a`') },
    { send: '.exit', skip: COMMAND('.exit') },
  ],
  // One `r.write` of several lines per mode, each line its own input; the
  // template literal's indentation is dropped.
  'test-repl-underscore.js': [
    { send: '_;          // initial value undefined', skip: UNDERSCORE },
    { send: 'var x = 10;  // evaluates to undefined' },
    { send: '_;           // still undefined', skip: UNDERSCORE },
    { send: 'y = 10;      // evaluates to 10' },
    { send: '_;           // 10 from last eval', skip: UNDERSCORE },
    { send: '_ = 20;      // explicitly set to 20', skip: UNDERSCORE },
    { send: '_;           // 20 from user input', skip: UNDERSCORE },
    { send: '_ = 30;      // make sure we can set it twice and no prompt', skip: UNDERSCORE },
    { send: '_;           // 30 from user input', skip: UNDERSCORE },
    { send: 'y = 40;      // make sure eval doesn\'t change _' },
    { send: '_;           // remains 30 from user input', skip: UNDERSCORE },
    { send: 'let _ = 20;  // use \'let\' only in strict mode - evals to undefined' },
    { send: 'var y = 40;  // make sure eval doesn\'t change _' },
    { send: 'function f() { let _ = 50; } // undefined' },
    { send: 'f();         // undefined', skip: EARLIER('`f`') },
    { send: 'x = 10;      //' },
    { send: '_;           // last eval - 10', skip: UNDERSCORE },
    { send: 'let _ = 20;  // undefined' },
    { send: 'function f() { let _ = 50; return _; } // undefined' },
    { send: 'f();         // 50', skip: EARLIER('`f`') },
    { send: '_ = 10;     // explicitly set to 10', skip: UNDERSCORE },
    { send: '_;           // 10 from user input', skip: UNDERSCORE },
    { send: '.clear       // Clearing context...', skip: COMMAND('.clear') },
    { send: '_;           // remains 10', skip: UNDERSCORE },
    { send: 'x = 20;      // but behavior reverts to last eval' },
    { send: '_;           // expect 20', skip: UNDERSCORE },
  ],
  'test-repl-mode.js': [
    { send: 'x = 3' },
    { send: 'let y = 3' },
    { send: 'x = 3', skip: `${STRICT} (a ReferenceError there; the sloppy and magic runs of the same line are ported)` },
  ],
  'test-repl-throw-null-or-undefined.js': [
    { send: 'throw null' },
    { send: 'throw undefined' },
  ],
  'test-repl-null-thrown.js': [
    {
      send: 'process.nextTick(() => { throw null; })',
      skip: 'the REPL prints the value (`undefined`) and later, on its own, `Uncaught null`: two outcomes, not one completion value',
    },
  ],
  'test-repl-unexpected-token-recoverable.js': [{ send: 'const foo = "bar\\\nbaz"' }],
  'test-repl-strict-mode-previews.js': [
    { send: 'xyz', skip: `${STRICT}; it checks the terminal's preview line` },
  ],
};

/**
 * The completion-value rules the upstream tests only imply, as one-line
 * programs (several statements in one line: a line is one REPL input).
 */
const added = [
  // Expression statements, comma, literals.
  '1 + 1', '1, 2, 3', '(1)', '1;;;', ';', '"use strict"', 'void 0', 'undefined', 'null', '-0', 'NaN',
  '0.1 + 0.2', '10n ** 20n', '`a${1}b`', 'Symbol("s")', '[1, 2, 3].map((x) => x * 2)', 'new Map([[1, 2]])',
  '(function () {})', '() => 1', '(class {})', 'function () {}', 'class {}',
  'x = 5', '[a, b] = [1, 2]', 'let a = 1, b = 2; a + b', 'const { a, b } = { a: 1, b: 2 }; a + b',
  // Declarations: no value of their own.
  'var x = 1', 'let x = 1', 'const x = 1', 'function f() {}', 'async function f() {}', 'function* g() {}', 'class C {}',
  '1; var x = 2', '1; let x = 2', '1; const x = 2', '1; function f() {}', '1; class C {}', 'var x = 1; x',
  'let process = 1; process',
  // if
  'if (true) { 1 }', 'if (false) { 1 }', 'if (false) { 1 } else { 2 }', 'if (true) 1; else 2',
  '1; if (false) { 2 }', '1; if (true) {}', 'if (true) { var y = 1 }', 'if (true) { 1; var y = 2 }',
  // Loops
  'for (var i = 0; i < 3; i++) i', 'for (let i = 0; i < 3; i++) { i * 2 }', 'for (const k in { a: 1, b: 2 }) k',
  'for (const v of [1, 2, 3]) v', 'for (const v of []) v', '1; for (const v of []) v', 'for (;false;) 1', '1; for (;false;) {}',
  'var n = 0; while (n < 3) n++', '1; while (false) {}', 'var n = 0; do { n++ } while (n < 3)', 'do 1; while (false)',
  'for (const v of [1, 2, 3]) { if (v === 2) break; v }', 'for (const v of [1, 2, 3]) { if (v === 2) continue; v }',
  'outer: for (const i of [1, 2]) { for (const j of [1, 2]) { if (j === 2) continue outer; i * 10 + j } }',
  // try
  'try { 1 } finally { 2 }', 'try { throw 1 } catch (e) { e + 1 }', 'try { 1 } catch { 2 }', 'try { throw 1 } catch { } finally { 3 }',
  'try { 1 } catch (e) {} finally { 2 }', '1; try {} finally {}',
  // switch
  'switch (1) { case 1: "one"; break; default: "other" }', 'switch (2) { case 1: "one"; break; default: "other" }',
  'switch (3) { case 1: "one" }', 'switch (1) { case 1: "one"; case 2: "two" }', '1; switch (1) {}',
  // Blocks and labels
  'label: 1', 'label: { 1 }', 'a: { 1; break a; 2 }', 'x: while (true) { 1; break x }', '1; {}', '1; { 2 }', 'with ({ a: 1 }) a',
  // Inputs that start with `{`: tried as an expression first by the REPL.
  '{}', '{ a: 1 }', '{ a: 1 };', '{a:1}.a', '{} + []', '{ a } = { a: 1 }', '({ a } = { a: 2 })', '{ a: 1, b: 2 }',
  '{ "a": 1 }', '{ ...{ a: 1 } }', '{ x() { return 1 } }', '{ 1; 2 }', '{ a: 1 } // comment', '{ a: 1 }; { b: 2 }',
  '{ let a = 1; a }', '{ var b = 2 }', '  { a: 1 }  ', '{ a: 1 }\n', '{ a: 1 }; ', '/* c */ { a: 1 }', '{ a: 1 } /* c */',
  '{ a: 1, }', '{ [1]: 2 }', '{ f() {} }', '{ a: 1 } + 1', '{ function f() {} }', 'if (true) { function f() {} }',
  // Object literals whose keys are the words that make this library parse the code itself.
  '{ await: 1 }', '{ return: 1 }', '{ import: 1 }', 'var await = 1; await', 'let { a } = { a: 1 }; a',
  // Errors
  'throw new TypeError("x")', 'throw 1', 'undefinedVariable', 'const x = 1; x = 2', 'let x = 1; let x = 2',
  '"use strict"; 0755', '(2 + 3)) // return', '"return"; (2 + 3))', '"import"; let let = 1',
  // REPL specifics: a final promise, top-level return, the REPL's context
  'Promise.resolve(1)', 'return 1', 'typeof require', 'typeof module', 'this === globalThis',
];

/** Runs `code` through a fresh REPL; resolves with what it printed, as described at the top. */
function evaluate(code) {
  return new Promise((resolve) => {
    const input = new PassThrough();
    const output = new PassThrough();
    const server = repl.start({ input, output, prompt: '', terminal: false, useGlobal: false });
    const completions = [];
    let buffered = false;
    const evalOf = server.eval;
    server.eval = function (cmd, context, file, cb) {
      return evalOf.call(this, cmd, context, file, function (error, value) {
        // Recoverable: the REPL buffers the line and asks for the next one.
        // Another error reaches the domain below, where it is recorded.
        buffered = error instanceof repl.Recoverable;
        if (!error && arguments.length >= 2) completions.push({ value: server.writer(withoutAsyncIds(value)) });
        return cb.apply(this, arguments);
      });
    };
    server._domain.on('error', (error) => { completions.push({ error }); });
    const timer = setTimeout(() => { finish({ timeout: true }); }, TIMEOUT_MS);
    let done = false;
    function finish(extra) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.close();
      resolve({ completions, buffered, ...extra });
    }
    server.on('exit', () => { setImmediate(finish); });
    input.end(`${code}\n`);
  });
}

/**
 * The REPL's domain installs async hooks, which tag promises with their async
 * ids (`[Symbol(async_id_symbol)]: 1090`): numbers that change from run to
 * run and that no REPL user sees without hooks. They are dropped.
 */
function withoutAsyncIds(value) {
  if (util.types.isPromise(value)) {
    for (const symbol of Object.getOwnPropertySymbols(value)) {
      if (/^(trigger_)?async_id_symbol$/.test(symbol.description ?? '')) delete value[symbol];
    }
  }
  return value;
}

function describeError(error) {
  if (util.types.isNativeError(error) || error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Uncaught', message: repl.writer(error) };
}

const writerOptions = { ...repl.writer.options };
const writeOf = process.stdout.write;
/** Evaluates with the process's stdout muted (the REPL's `console` writes to its own output; `process.stdout` is the process's). */
async function quietly(code) {
  process.stdout.write = () => true;
  try {
    return await evaluate(code);
  } finally {
    process.stdout.write = writeOf;
    // An input may change the shared writer (`repl.writer.options.showProxy = false`).
    Object.assign(repl.writer.options, writerOptions);
  }
}

const entries = [
  ...Object.entries(upstream).flatMap(([from, list]) => list.map((entry) => ({ from, ...entry }))),
  ...added.map((send) => ({ from: 'added', send })),
];
const cases = [];
const skipped = [];
const seen = new Set();
for (const { from, send, skip } of entries) {
  const joined = Array.isArray(send);
  const input = joined ? send.join('\n') : send;
  const provenance = { input, from, ...(joined ? { joined: true } : {}) };
  if (skip) {
    skipped.push({ ...provenance, reason: skip });
    continue;
  }
  if (seen.has(input)) continue;
  seen.add(input);
  const { completions, buffered, timeout } = await quietly(input);
  let reason;
  if (timeout) reason = `timeout: nothing printed within ${TIMEOUT_MS} ms by Node's REPL`;
  else if (completions.length === 0 && buffered) reason = 'incomplete: Node\'s REPL still waits for more lines after it';
  else if (completions.length === 0) reason = 'Node\'s REPL prints nothing for it (an empty line is not evaluated)';
  else if (completions.length > 1) reason = `Node's REPL takes it as ${completions.length} inputs (a line completes before the last)`;
  if (reason) {
    skipped.push({ ...provenance, reason });
    continue;
  }
  const [completion] = completions;
  const expected = 'error' in completion ? { error: describeError(completion.error) } : { inspected: completion.value };
  cases.push({ ...provenance, expected });
}

const previous = previousFixture(FIXTURE);
const otherHost = process.argv.includes('--other-host');
let fixture;
if (otherHost) {
  // Run on another Node: record only where its REPL prints something else
  // than the reference for a ported case (V8's wording, new console methods).
  if (previous.referenceNode === undefined) throw new Error('--other-host needs the fixture computed on the reference Node first');
  if (previous.referenceNode.split('.')[0] === process.version.split('.')[0]) throw new Error(`--other-host: this is the reference's major (${previous.referenceNode})`);
  const reference = new Map(previous.cases.map((c) => [c.input, c.expected]));
  const differing = cases
    .filter((c) => reference.has(c.input) && !util.isDeepStrictEqual(reference.get(c.input), c.expected))
    .map(({ input, expected }) => ({ input, expected }));
  const kept = Object.entries(previous.otherHosts ?? {}).filter(([version]) => version.split('.')[0] !== process.version.split('.')[0]);
  fixture = { ...previous, otherHosts: Object.fromEntries([...kept, [process.version, differing]].sort(([a], [b]) => a.localeCompare(b))) };
} else {
  const [first, ...rest] = Object.keys(SOURCES);
  fixture = {
    source: sourceLine(first),
    alsoFrom: rest.map(sourceLine),
    notPorted: NOT_PORTED,
    license: 'MIT',
    referenceNode: process.version,
    computedBy: 'scripts/upstream/compute-repl-completion-reference.mjs',
    note:
      'Reference: what Node\'s REPL (this Node version) prints for each input typed into a fresh `repl.start` (useGlobal: false, terminal: false); ' +
      '`inspected` is the REPL writer\'s text (util.inspect with showProxy: true). `from: "added"` marks cases added here for the ' +
      'completion-value rules Node\'s tests only imply; `joined: true` an upstream input sent as several lines, ported joined with "\\n". ' +
      '`otherHosts`: for another Node major (computed there with --other-host), the cases its REPL prints otherwise; a test on that major expects those.',
    cases,
    skipped,
    knownDifferences: previous.knownDifferences ?? [],
    otherHosts: previous.otherHosts ?? {},
  };
}
emitFixture(FIXTURE, fixture, otherHost ? `wrote the ${process.version} entries of otherHosts` : `wrote ${cases.length} cases, ${skipped.length} skipped`);
