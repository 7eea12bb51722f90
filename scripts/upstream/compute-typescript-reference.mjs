#!/usr/bin/env node
// Computes the reference values in test/fixtures/upstream/typescript-strip.json
// by running each of Node's TypeScript strip-types fixtures as a program with a
// real Node 24: the fixture is written to a temporary .ts file and run with
// `node --experimental-strip-types --no-warnings file.ts` (on 24 type
// stripping is on by default; the flag is harmless). A run that exits 0 gives
// its stdout; one that does not gives the error Node printed on stderr (its
// name, without the `[CODE]`, and the first line of its message).
//
// Usage: NODE24=/path/to/node24 node scripts/upstream/compute-typescript-reference.mjs [--write]
// Without --write it prints the JSON; with it, it rewrites the fixture, keeping
// the fixture's `knownDifferences` (those describe this library, not Node).
//
// Fixtures are from nodejs/node test/fixtures/typescript/ts/ (the files used by
// test/es-module/test-typescript.mjs), MIT licence; each is pinned to the commit
// it was read at.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitFixture, previousFixture } from './fixture-file.mjs';

const SOURCE = 'nodejs/node test/fixtures/typescript/ts/ (run by test/es-module/test-typescript.mjs @ 0655d3a3842a63dbb74eb7c20964bf1738e55144)';
const FIXTURE = new URL('../../test/fixtures/upstream/typescript-strip.json', import.meta.url);
const NODE = process.env.NODE24 ?? process.argv.find((arg) => arg.startsWith('--node='))?.slice('--node='.length) ?? 'node';
const TIMEOUT_MS = 10_000;

/** The self-contained fixtures, verbatim, each with the commit it was read at. */
const fixtures = [
  {
    name: 'test-commonjs-parsing.ts',
    commit: 'fd1117dd5519e67e2e2868cc7bba143d0d797350',
    input: "const util = require('node:util');\n\nconst text: string = 'Hello, TypeScript!';\n\nconsole.log(util.styleText(['bold', 'red'], text));\n\nmodule.exports = {\n  text\n};\n",
  },
  {
    name: 'commonjs-logger.ts',
    commit: 'd810e964809000200e4d8ed8a201db2f9cae2f38',
    input: 'const logger = (): void => { };\n\nmodule.exports = {\n    logger\n}\n',
  },
  {
    name: 'test-enums.ts',
    commit: '4ce7086b2433ba48ca1f843f334754246e056245',
    input: 'enum Color {\n  Red,\n  Green,\n  Blue,\n}\n\nconsole.log(Color.Red);\nconsole.log(Color.Green);\nconsole.log(Color.Blue);\n\nconsole.log(Color[0]);\nconsole.log(Color[1]);\nconsole.log(Color[2]);\n',
  },
  {
    name: 'test-experimental-decorators.ts',
    commit: 'd810e964809000200e4d8ed8a201db2f9cae2f38',
    input: 'function sealed(constructor: Function) {\n  Object.seal(constructor);\n  Object.seal(constructor.prototype);\n}\n\n@sealed\nclass BugReport {\n  type = "report";\n  title: string;\n\n  constructor(t: string) {\n    this.title = t;\n  }\n}\n',
  },
  {
    name: 'test-extract-union-type.ts',
    commit: '365046f97ec4d75a4136b79e44e993226d5d1be7',
    input: "type RoleAttributes =\n  | {\n      role: 'admin';\n      permission: 'all';\n    }\n  | {\n      role: 'user';\n    }\n  | {\n      role: 'manager';\n    };\n\n// Union Type: Extract\ntype AdminRole = Extract<RoleAttributes, { role: 'admin' }>;\nconst adminRole: AdminRole = {\n  role: 'admin',\n  permission: 'all',\n};\nconsole.log(adminRole);\n",
  },
  {
    name: 'test-generics.ts',
    commit: '75ecd7eaf5fab6ec8bd6e99ab649d5953e71aec0',
    input: "interface Bar {\n  name: string;\n  age: number;\n}\n\nclass Foo<T> {\n  constructor(private value: T) {}\n\n  public getValue(): T {\n    return this.value;\n  }\n}\n\nconst foo = new Foo<Bar>({ age: 42, name: 'John Doe' });\nconsole.log(foo.getValue());\n",
  },
  {
    name: 'test-import-fs.ts',
    commit: 'd810e964809000200e4d8ed8a201db2f9cae2f38',
    input: "import fs from 'fs';\nconsole.log('Hello, TypeScript!');\n",
  },
  {
    name: 'test-invalid-syntax.ts',
    commit: '489b500a181eb9ecd3eb828615b81d722c59674c',
    input: 'function foo(): string {\n  await Promise.resolve(1);\n}\n',
  },
  {
    name: 'test-module-typescript.ts',
    commit: '45c53ba1941939ff85720b28b6fb03d6bc6f0164',
    input: "import util from 'node:util';\n\nexport const text: string = 'Hello, TypeScript!';\n\nconsole.log(util.styleText(\"red\", text));\n",
  },
  {
    name: 'test-namespaces.ts',
    commit: '9518f91dfe1e0c61cf62002d37f2752b32c5bc7b',
    input: '/// <reference path="a.ts" />\nnamespace Validation {\n  const lettersRegexp = /^[A-Za-z]+$/;\n    export class LettersOnlyValidator {\n      isAcceptable(s: string) {\n        return lettersRegexp.test(s);\n      }\n    }\n}\n',
  },
  {
    name: 'test-partial-union-type.ts',
    commit: '365046f97ec4d75a4136b79e44e993226d5d1be7',
    input: "type MyType = {\n  foo: string;\n  bar: number;\n  zoo: boolean;\n  metadata?: unknown;\n};\n\n// Union Type: Partial\ntype PartialType = Partial<MyType>;\n\nconst PartialTypeWithValues: PartialType = {\n  foo: 'Hello, TypeScript!',\n  bar: 42,\n  zoo: true,\n  metadata: undefined,\n};\n\nconsole.log(PartialTypeWithValues);\n",
  },
  {
    name: 'test-union-types.ts',
    commit: '365046f97ec4d75a4136b79e44e993226d5d1be7',
    input: "// Use Some Union Types Together\nconst getTypescript = async () => {\n  return {\n    name: 'Hello, TypeScript!',\n  };\n};\n\ntype MyNameResult = Awaited<ReturnType<typeof getTypescript>>;\nconst myNameResult: MyNameResult = {\n  name: 'Hello, TypeScript!',\n};\n\nconsole.log(myNameResult);\n",
  },
  {
    name: 'test-whitespacing.ts',
    commit: '65d5a5886dba86144529d3b73ae4ff84fd6128d2',
    input: 'interface Foo {\n  bar: string;\n}\n\nthrow new Error("Whitespacing");\n',
  },
];

/** Files of the directory not ported, with why. */
const skipped = [
  ...['test-import-foo.ts'].map((name) => ({ name, reason: 'imports ./test-export-foo.ts' })),
  { name: 'test-import-no-extension.ts', reason: 'imports ./test-no-extensions' },
  { name: 'test-require-mts.ts', reason: 'requires ../mts/test-mts-export-foo.mts' },
  { name: 'test-loader.ts', reason: 'imports ../../../common/fixtures.mjs and registers ./hook.ts as a loader' },
  { name: 'test-mock-module.ts', reason: 'imports ./module-logger.ts and ./commonjs-logger.ts; needs --test --experimental-test-module-mocks' },
  { name: 'test-export-foo.ts', reason: 'is a module with only a top-level export, imported by test-import-foo.ts; needs a file (prints nothing on its own)' },
  { name: 'module-logger.ts', reason: 'is a module with only a top-level export, imported by test-mock-module.ts; needs a file (prints nothing on its own)' },
  { name: 'hook.ts', reason: 'is a loader hook module (a top-level export) registered by test-loader.ts; needs a file' },
  ...[
    'test-get-callsite.ts',
    'test-get-callsite-explicit.ts',
    'test-get-callsites-explicit.ts',
  ].map((name) => ({ name, reason: "prints util.getCallSites()[0], whose scriptName, line and column are the file Node ran: the output depends on that file's path" })),
  ...[
    'test-import-ts-node-modules.ts',
    'test-typescript-node-modules.ts',
  ].map((name) => ({ name, reason: 'imports a package from the fixture directory\'s node_modules' })),
  ...[
    'test-typescript-relative-node-modules.ts',
    'test-typescript-dotdot-node-modules.ts',
  ].map((name) => ({ name, reason: 'requires a .ts file under the fixture directory\'s node_modules' })),
  ...[
    'test-import-private-ts-node-module.ts',
    'test-import-ts-exports-node-modules.ts',
    'test-import-ts-exports-types-node-modules.ts',
    'test-import-ts-twin-node-modules.ts',
    'test-typescript-bundled-private-node-modules.ts',
    'test-typescript-fake-private-node-modules.ts',
    'test-typescript-nested-nonprivate-node-modules.ts',
    'test-typescript-private-node-modules-require.ts',
    'test-typescript-private-node-modules.ts',
  ].map((name) => ({ name, reason: 'loads a package from the fixture directory\'s node_modules (what these fixtures test)' })),
  ...[
    'transformation/test-complex-stacktrace.ts',
    'transformation/test-decorator.ts',
    'transformation/test-enum-stacktrace.ts',
    'transformation/test-modern-typescript.ts',
  ].map((name) => ({ name, reason: 'needs --experimental-transform-types (Node runs transformation/ with it)' })),
  { name: 'test-types.d.ts', reason: 'a declaration file, not a program' },
  ...['test-simple.js', 'issue-54457.mjs', 'transformation/test-transformed-typescript.js'].map((name) => ({ name, reason: 'JavaScript, not TypeScript' })),
];

/** The uncaught error Node printed: `Name [CODE]: message` or `Name: message`. */
function describeError(stderr) {
  for (const line of stderr.split('\n')) {
    const match = /^([A-Za-z]*Error)(?: \[[A-Z_]+\])?: (.*)$/.exec(line);
    if (match) return { name: match[1], message: match[2] };
  }
  return { name: 'unknown', message: stderr.split('\n').find((line) => line.trim() !== '') ?? '' };
}

const referenceNode = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
if (!referenceNode.startsWith('v24.')) throw new Error(`NODE24 must be a Node 24 binary; ${NODE} is ${referenceNode || 'not runnable'}`);

const dir = mkdtempSync(join(tmpdir(), 'repl-sandbox-ts-reference-'));
const cases = [];
try {
  for (const { name, commit, input } of fixtures) {
    const file = join(dir, name);
    writeFileSync(file, input);
    const run = spawnSync(NODE, ['--experimental-strip-types', '--no-warnings', file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    });
    if (run.error) throw run.error;
    const expected = run.status === 0 ? { output: run.stdout } : { error: describeError(run.stderr) };
    cases.push({ name, commit, input, expected });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const previous = previousFixture(FIXTURE);
const fixture = {
  source: SOURCE,
  commit: '0655d3a3842a63dbb74eb7c20964bf1738e55144',
  license: 'MIT',
  referenceNode,
  computedBy: 'scripts/upstream/compute-typescript-reference.mjs',
  cases,
  skipped,
  knownDifferences: previous.knownDifferences ?? [],
};
emitFixture(FIXTURE, fixture, `wrote ${cases.length} cases, ${skipped.length} skipped`);
