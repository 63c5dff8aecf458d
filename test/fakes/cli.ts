/**
 * Command line of the fakes: `node scripts/run-ts.ts test/fakes/cli.ts [--port 0] [--seed-file f] [--faults f]
 * [--state-dir d] [--ready-file f] [--token-lifetime s] [--delta-page-size n]
 * [--messagemedia-paging normal|emptyPages|truncated|loop] [--patch-arrays replace|merge|replaceAll]
 * [--messagemedia-rate-limit requests-per-second] [--verbose]`.
 * The environment variables ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING and ENTRA_SYNC_FAKE_PATCH_ARRAYS set the
 * last two when the flags are absent. Prints and writes {url, port, caFile, pid}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { MESSAGEMEDIA_PAGING_MODES, PATCH_ARRAYS_MODES } from './messagemedia';
import { generateSampleOrg } from './sample-org';
import { startFakes } from './server';
import type { FakeOptions, FakeSeed, FaultConfig } from './types';

interface CliArgs {
	port: number;
	seedFile?: string;
	sampleOrg: boolean;
	faultsFile?: string;
	stateDir?: string;
	readyFile?: string;
	tokenLifetime?: number;
	deltaPageSize?: number;
	messageMediaPaging?: FakeOptions['messageMediaPaging'];
	patchArrays?: FakeOptions['messageMediaPatchArrays'];
	messageMediaRateLimit?: number;
	verbose: boolean;
}

function choice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
	if (!(choices as readonly string[]).includes(value))
		throw new Error(`${flag} must be one of ${choices.join(', ')} (got ${value})`);
	return value as T;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = {}): CliArgs {
	const args: CliArgs = { port: 0, sampleOrg: false, verbose: false };
	if (env.ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING)
		args.messageMediaPaging = choice(
			'ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING',
			env.ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING,
			MESSAGEMEDIA_PAGING_MODES,
		);
	if (env.ENTRA_SYNC_FAKE_PATCH_ARRAYS)
		args.patchArrays = choice(
			'ENTRA_SYNC_FAKE_PATCH_ARRAYS',
			env.ENTRA_SYNC_FAKE_PATCH_ARRAYS,
			PATCH_ARRAYS_MODES,
		);
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) throw new Error(`${flag} needs a value`);
			return next;
		};
		switch (flag) {
			case '--port':
				args.port = Number(value());
				break;
			case '--seed-file':
				args.seedFile = value();
				break;
			case '--sample-org':
				args.sampleOrg = true;
				break;
			case '--faults':
				args.faultsFile = value();
				break;
			case '--state-dir':
				args.stateDir = value();
				break;
			case '--ready-file':
				args.readyFile = value();
				break;
			case '--token-lifetime':
				args.tokenLifetime = Number(value());
				break;
			case '--delta-page-size':
				args.deltaPageSize = Number(value());
				break;
			case '--messagemedia-paging':
				args.messageMediaPaging = choice(flag, value(), MESSAGEMEDIA_PAGING_MODES);
				break;
			case '--patch-arrays':
				args.patchArrays = choice(flag, value(), PATCH_ARRAYS_MODES);
				break;
			case '--messagemedia-rate-limit':
				args.messageMediaRateLimit = Number(value());
				if (!(args.messageMediaRateLimit >= 0))
					throw new Error(`${flag} must be a number of requests per second, 0 or more`);
				break;
			case '--verbose':
				args.verbose = true;
				break;
			default:
				throw new Error(`unknown option ${flag}`);
		}
	}
	if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535)
		throw new Error('--port must be 0..65535');
	return args;
}

function readJson<T>(file: string): T {
	return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export async function main(argv: string[]): Promise<void> {
	const args = parseArgs(argv, process.env);
	const seed: FakeSeed = args.seedFile ? readJson<FakeSeed>(args.seedFile) : generateSampleOrg();
	const faults: FaultConfig = args.faultsFile ? readJson<FaultConfig>(args.faultsFile) : {};
	const options: FakeOptions = {
		port: args.port,
		seed,
		faults,
		...(args.stateDir !== undefined ? { stateDir: resolve(args.stateDir) } : {}),
		verbose: args.verbose,
		...(args.tokenLifetime !== undefined ? { tokenLifetimeSeconds: args.tokenLifetime } : {}),
		...(args.deltaPageSize !== undefined ? { deltaPageSize: args.deltaPageSize } : {}),
		...(args.messageMediaPaging !== undefined
			? { messageMediaPaging: args.messageMediaPaging }
			: {}),
		...(args.patchArrays !== undefined ? { messageMediaPatchArrays: args.patchArrays } : {}),
		...(args.messageMediaRateLimit !== undefined
			? { messageMediaRateLimit: args.messageMediaRateLimit }
			: {}),
	};
	const fakes = await startFakes(options);
	const ready = { url: fakes.url, port: fakes.port, caFile: fakes.caFile, pid: process.pid };
	const readyFiles = [
		join(dirname(fakes.caFile), 'ready.json'),
		...(args.readyFile ? [resolve(args.readyFile)] : []),
	];
	for (const file of readyFiles) {
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, `${JSON.stringify(ready, null, 2)}\n`);
	}
	console.log(JSON.stringify(ready));
	const stop = () => {
		fakes.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}
