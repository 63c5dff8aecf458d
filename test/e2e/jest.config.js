/**
 * The real-n8n end-to-end suite. Run it through `bash scripts/e2e.sh` (it builds and packs the
 * package, installs it into an n8n user folder and sets ENTRA_SYNC_E2E_*); test files run one at a
 * time because each drives n8n processes and a fake-services server.
 */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': [
			'ts-jest',
			{ tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false, ignoreCodes: [151002] } },
		],
	},
	maxWorkers: 1,
	testTimeout: 10 * 60 * 1000,
	slowTestThreshold: 120,
	verbose: true,
};
