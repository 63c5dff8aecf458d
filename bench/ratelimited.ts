/**
 * Adaptive concurrency against a rate-limited MessageMedia: an initial sync of N users (default 10 000)
 * through the sync engine and the real client, against the fakes in a separate process with 20 ms
 * latency per request and a token-bucket limit of L requests per second per account (429 with
 * Retry-After beyond it). Measures throughput (answered requests per second of sync), the share of
 * requests throttled, the concurrency reached and failed contacts; appends them to
 * bench/results-ratelimited.json. Not a test: numbers depend on the machine.
 *
 *   node scripts/run-ts.ts bench/ratelimited.ts [--limits 50,200] [--users 10000] [--ceiling 20] [--latency 20]
 *
 * Goals: throughput ≥ 90 % of the limit, throttled ≤ 5 % of requests, no failed contact (with the limit
 * above what the ceiling can reach, the ceiling binds: then the goal is the ceiling's own rate).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tls from 'node:tls';

import { createMessageMediaClient } from '../lib/messagemedia/client';
import { classifyInput, resolveSyncOptions, runSync } from '../lib/sync/index';
import type { SyncItem } from '../lib/types';

const ROOT = resolve(__dirname, '..');
const API_KEY = 'DUMMYBENCHKEY0000001';
const API_SECRET = 'DUMMYBENCHSECRET00000000000001';

interface Args {
	limits: number[];
	users: number;
	ceiling: number;
	latency: number;
}

function parseArgs(argv: string[]): Args {
	const args: Args = { limits: [50, 200], users: 10_000, ceiling: 20, latency: 20 };
	for (let i = 0; i < argv.length; i += 2) {
		const value = argv[i + 1];
		if (argv[i] === '--limits') args.limits = value.split(',').map(Number);
		else if (argv[i] === '--users') args.users = Number(value);
		else if (argv[i] === '--ceiling') args.ceiling = Number(value);
		else if (argv[i] === '--latency') args.latency = Number(value);
		else throw new Error(`unknown option ${argv[i]}`);
	}
	return args;
}

function user(n: number): SyncItem {
	return {
		sourceId: `${n.toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`,
		action: 'upsert',
		contact: {
			firstName: `First${n}`,
			lastName: `Last${n}`,
			phone: `+614${(10_000_000 + n).toString().slice(-8)}`,
			email: `user${n}@example.com`,
			lists: [n % 2 === 0 ? 'Sales' : 'Support'],
		},
	};
}

/** The fakes in a child process (as n8n would reach them), limited to `limit` requests/s. */
async function startFakes(
	dir: string,
	limit: number,
	latency: number,
): Promise<{ url: string; child: ChildProcess }> {
	const seedFile = join(dir, 'seed.json');
	const faultsFile = join(dir, 'faults.json');
	writeFileSync(
		seedFile,
		JSON.stringify({ messagemedia: { accounts: [{ apiKey: API_KEY, apiSecret: API_SECRET }] } }),
	);
	writeFileSync(
		faultsFile,
		JSON.stringify({ rules: [{ service: 'messagemedia', latencyMs: latency }] }),
	);
	const stateDir = join(dir, `fakes-${limit}`);
	const child = spawn(
		process.execPath,
		[
			'scripts/run-ts.ts',
			'test/fakes/cli.ts',
			'--state-dir',
			stateDir,
			'--seed-file',
			seedFile,
			'--faults',
			faultsFile,
			'--messagemedia-rate-limit',
			String(limit),
		],
		{ cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
	);
	const ready = join(stateDir, 'ready.json');
	for (let i = 0; i < 600 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
	if (!existsSync(ready)) throw new Error('the fakes did not start');
	const { url, caFile } = JSON.parse(readFileSync(ready, 'utf8')) as {
		url: string;
		caFile: string;
	};
	tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(caFile, 'utf8')]);
	return { url, child };
}

async function scenario(dir: string, limit: number, args: Args) {
	const { url, child } = await startFakes(dir, limit, args.latency);
	try {
		const client = createMessageMediaClient({
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			authMethod: 'basic',
			region: 'custom',
			baseUrl: url,
		});
		const { inputs } = classifyInput(Array.from({ length: args.users }, (_, i) => user(i + 1)));
		const load = loadavg();
		const result = await runSync(client, inputs, resolveSyncOptions({ concurrency: args.ceiling }));
		const { summary } = result;
		const throttled = summary.concurrency?.throttled ?? 0;
		const answered = summary.requests.total - throttled;
		const throughput = answered / (summary.durationMs / 1000);
		const ceilingRate = (args.ceiling * 1000) / args.latency;
		const bound = Math.min(limit, ceilingRate);
		const row = {
			limit,
			users: args.users,
			latencyMs: args.latency,
			ceiling: args.ceiling,
			durationMs: summary.durationMs,
			requests: summary.requests.total,
			throttled,
			throttledShare: throttled / summary.requests.total,
			throughput: Math.round(throughput * 10) / 10,
			ofLimit: throughput / limit,
			concurrency: summary.concurrency,
			created: summary.counts.created,
			failed: summary.counts.failed + summary.counts.conflict,
			met:
				throughput >= 0.9 * bound &&
				throttled <= 0.05 * summary.requests.total &&
				summary.counts.failed === 0 &&
				summary.counts.created === args.users,
			loadBefore: load.map((l) => Math.round(l * 100) / 100),
			loadAfter: loadavg().map((l) => Math.round(l * 100) / 100),
		};
		console.log(JSON.stringify(row));
		return row;
	} finally {
		child.kill('SIGTERM');
	}
}

export async function main(argv: string[]): Promise<void> {
	const args = parseArgs(argv);
	const dir = mkdtempSync(join(tmpdir(), 'entra-sync-ratelimited-'));
	const rows = [];
	try {
		for (const limit of args.limits) rows.push(await scenario(dir, limit, args));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	const out = join(ROOT, 'bench', 'results-ratelimited.json');
	writeFileSync(
		out,
		`${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, rows }, null, 2)}\n`,
	);
}
