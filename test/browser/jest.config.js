/**
 * The browser suite: n8n's editor, driven by Chromium through playwright-core, over the packed package
 * in a real n8n. Run it through `bash scripts/browser.sh` (it builds, packs and installs the package and
 * sets ENTRA_SYNC_E2E_* and ENTRA_SYNC_CHROMIUM). One file, one n8n, one browser, tests in order.
 */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/browser'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': [
			'ts-jest',
			{ tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false, ignoreCodes: [151002] } },
		],
	},
	maxWorkers: 1,
	testTimeout: 5 * 60 * 1000,
	slowTestThreshold: 60,
	verbose: true,
};
