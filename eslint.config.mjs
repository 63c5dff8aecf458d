// n8n's own lint rules (the same config `n8n-node lint` uses) with cloud-support mode off: this
// package is self-hosted only because it ships runtime dependencies (Microsoft's auth and Graph
// libraries, libphonenumber-js), see README "Why a self-hosted community package".
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**', 'tmp/**', 'bench/out/**'],
	},
	{
		files: ['package.json'],
		rules: {
			// The only rule switched off: this package deliberately has runtime dependencies.
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// lib/ is the n8n-free sync engine: it throws typed errors (lib/common/errors.ts) that the node
		// layer converts to NodeApiError/NodeOperationError in one place (nodes/helpers/errors.ts).
		files: ['lib/**/*.ts'],
		rules: {
			'@n8n/community-nodes/require-node-api-error': 'off',
		},
	},
	{
		// Tests, fakes, benchmarks and scripts are not shipped (files: dist and templates): they may use the console,
		// spawn n8n and the fakes, carry dummy test credentials and rethrow plain errors.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-console': 'off',
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-require-imports': 'off',
		},
	},
];
