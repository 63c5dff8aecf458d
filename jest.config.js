/** Unit and workflow-level tests (nock). The real-n8n e2e suite runs through scripts/e2e.sh, the editor suite through scripts/browser.sh. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/browser/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
	},
	testTimeout: 30000,
	// One n8n user folder per run for n8n-core's instance settings (test/support/n8n-context.ts).
	globalSetup: '<rootDir>/test/support/jest/global-setup.ts',
	globalTeardown: '<rootDir>/test/support/jest/global-teardown.ts',
};
