/* ESLint 9 in eslintrc mode: run with ESLINT_USE_FLAT_CONFIG=false (see package.json "lint"). */
module.exports = {
  root: true,
  parser: '@typescript-eslint/parser',
  parserOptions: {
    project: './tsconfig.json',
    tsconfigRootDir: __dirname,
    sourceType: 'module',
  },
  env: { node: true, es2022: true },
  plugins: ['@typescript-eslint', 'import'],
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/recommended-type-checked',
  ],
  settings: {
    'import/resolver': { node: { extensions: ['.js', '.ts', '.cts'] } },
    'import/parsers': { '@typescript-eslint/parser': ['.ts', '.cts'] },
  },
  rules: {
    '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    '@typescript-eslint/no-floating-promises': 'error',
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    'import/no-cycle': 'error',
    'no-constant-condition': ['error', { checkLoops: false }],
  },
  overrides: [
    {
      // The harness runs inside the isolate, next to the code: it may import
      // only itself and the pure modules it shares with the host (the
      // messages both sides exchange, the UTF-8 helpers). Host modules would
      // pull the host's state and dependencies into every isolate.
      files: ['src/harness/**/*.ts'],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [{
            regex: '^\\.\\./(?!(protocol|utf8)\\.js$)',
            message: 'The harness imports only src/harness/, src/protocol.ts and src/utf8.ts: not the host.',
          }, {
            regex: '^repl-sandbox(/|$)',
            message: 'The harness does not import the package it is part of: that is the host.',
          }],
        }],
      },
    },
    {
      // The command line and the MCP server are clients of the public API,
      // plus the options table every entry point reads its options from.
      // cli.ts may also load the MCP server and the queue (repl-sandbox/queue),
      // the package's other public entries;
      // mcp.ts the tool helpers' run (public too, through ./index.js).
      // ai.ts (the AI SDK entry) likewise takes the tool helpers from ./tools.js.
      files: ['src/cli.ts', 'src/mcp.ts', 'src/ai.ts'],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [{
            regex: '^\\.\\.?/(?!(index|mcp|options|tools|queue/index)\\.js$)',
            message: 'cli.ts, mcp.ts and ai.ts import only the public API (./index.js, ./mcp.js, ./queue/index.js, ./tools.js) and the options table (./options.js).',
          }],
        }],
      },
    },
    {
      // tools.ts too, except for the internal modules it imports today
      // (./format.js, ./options.js, ./result.js, ./sandbox.js): to go once it
      // takes them from ./index.js. The tool definitions are plain data.
      files: ['src/tools.ts'],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [{
            regex: '^\\.\\.?/(?!(index|format|options|result|sandbox|tool-definitions)\\.js$)',
            message: 'tools.ts imports only the public API: ./index.js.',
          }],
        }],
      },
    },
    {
      // Tests exercise the library; what a test shares with a benchmark lives
      // in test/ (bench/ may import it).
      files: ['test/**/*.ts'],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [{
            regex: '(^|/)bench(/|$)',
            message: 'Tests do not import bench/: move what both need into test/.',
          }],
        }],
      },
    },
  ],
  ignorePatterns: ['dist/', 'node_modules/', 'scripts/', '.eslintrc.cjs'],
};
