// ESLint flat config: typescript-eslint's recommended rules on the sources and tests.
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['node_modules/**', 'data/**', 'web/dist/**', 'coverage/**'] }, ...tseslint.configs.recommended, {
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    'no-console': 'off',
  },
});
