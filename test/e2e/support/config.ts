/**
 * What scripts/e2e.sh prepared for the suite: the n8n binary, a user folder with the packed package
 * installed (and n8n's database migrated), and a scratch directory. Running the suite without the
 * script fails here with a clear message instead of somewhere inside n8n.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The n8n version the suite runs against: package.json `config.n8n`, the one place it is pinned. */
export const N8N_VERSION: string = (
	JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
		config: { n8n: string };
	}
).config.n8n;

export interface E2eConfig {
	/** `node_modules/.bin/n8n` of the pinned n8n install. */
	n8nBin: string;
	/** User folder with `.n8n/nodes/node_modules/n8n-nodes-entra-sync` installed from the tarball. */
	baseUserFolder: string;
	/** Scratch directory of this run (user folders, workflow files, logs). */
	workDir: string;
	/** Repository root (templates live under it). */
	projectRoot: string;
}

function required(name: string): string {
	const value = process.env[name];
	if (!value) {
		throw new Error(
			`${name} is not set: run the e2e suite through "bash scripts/e2e.sh", which prepares n8n and the package`,
		);
	}
	return value;
}

export function e2eConfig(): E2eConfig {
	const config = {
		n8nBin: required('ENTRA_SYNC_E2E_N8N_BIN'),
		baseUserFolder: required('ENTRA_SYNC_E2E_BASE_USER_FOLDER'),
		workDir: required('ENTRA_SYNC_E2E_WORK_DIR'),
		projectRoot: resolve(__dirname, '..', '..', '..'),
	};
	if (!existsSync(config.n8nBin)) throw new Error(`n8n is not installed at ${config.n8nBin}`);
	const installed = join(
		config.baseUserFolder,
		'.n8n',
		'nodes',
		'node_modules',
		'n8n-nodes-entra-sync',
		'package.json',
	);
	if (!existsSync(installed))
		throw new Error(`the package is not installed in ${config.baseUserFolder}`);
	return config;
}
