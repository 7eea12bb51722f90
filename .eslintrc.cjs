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
  ignorePatterns: ['dist/', 'node_modules/', 'scripts/', '.eslintrc.cjs'],
};
