/**
 * `npm run demo` (through scripts/demo.sh, which builds, packs and installs the package into the demo's
 * n8n user folder first): the fake Entra tenant and MessageMedia account seeded with the sample
 * organisation, the bundled template imported into a real n8n with credentials pointing at the fakes,
 * one run with a readable report, then (unless --once) n8n on http://localhost:5678 until Ctrl-C.
 *
 * State lives in the demo folder, so a second run shows a sync with nothing to write:
 *   <dir>/n8n            n8n user folder (database, credentials, the package)
 *   <dir>/fakes-state.json  the fakes' directory and MessageMedia account (saved after the run and at exit)
 *   <dir>/owner.json     the n8n login the demo created
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../test/fakes/sample-org';
import { startFakes, type RunningFakes } from '../test/fakes/server';
import type { FakeSeed } from '../test/fakes/types';
import {
	describeExecution,
	N8n,
	nodeOutput,
	type ExecutionResult,
	type Json,
	type N8nServer,
} from '../test/e2e/support/n8n';
import {
	DAILY,
	fakeCredentials,
	loadTemplate,
	withCredentials,
} from '../test/e2e/support/workflows';

const WORKFLOW_ID = 'entraSyncDemo00001';
const CREDENTIAL_IDS = { entra: 'entraSyncDemoEntra', messagemedia: 'entraSyncDemoMm001' };

interface DemoArgs {
	dir: string;
	n8nBin: string;
	once: boolean;
	port: number;
	fakesPort: number;
}

function parseArgs(argv: string[]): DemoArgs {
	const args: Partial<DemoArgs> = { once: false, port: 5678, fakesPort: 9443 };
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) throw new Error(`${flag} needs a value`);
			return next;
		};
		if (flag === '--once') args.once = true;
		else if (flag === '--dir') args.dir = resolve(value());
		else if (flag === '--n8n-bin') args.n8nBin = value();
		else if (flag === '--port') args.port = Number(value());
		else if (flag === '--fakes-port') args.fakesPort = Number(value());
		else
			throw new Error(
				`unknown option ${flag} (use --once, --port <n8n port>, --fakes-port <port>)`,
			);
	}
	if (!args.dir || !args.n8nBin)
		throw new Error('run the demo through "npm run demo" (scripts/demo.sh)');
	return args as DemoArgs;
}

function loadSeed(file: string): { seed: FakeSeed; fresh: boolean } {
	if (existsSync(file))
		return { seed: JSON.parse(readFileSync(file, 'utf8')) as FakeSeed, fresh: false };
	return { seed: generateSampleOrg(), fresh: true };
}

function saveSeed(fakes: RunningFakes, file: string): void {
	writeFileSync(file, JSON.stringify(fakes.state.snapshot(), null, 2));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function printReport(result: ExecutionResult, seed: FakeSeed): void {
	const [summary] = nodeOutput(result, DAILY.sync, 1);
	const [report] = nodeOutput(result, DAILY.report);
	const users = seed.tenants?.[0]?.users?.length ?? 0;
	const contactsRead = nodeOutput(result, DAILY.read).filter(
		(u) => Object.keys(u).length > 0,
	).length;
	const c = summary.counts as Record<string, number>;
	const line = (label: string, value: string | number) =>
		console.log(`  ${label.padEnd(22)} ${value}`);
	console.log('\n┌─ Entra Sync run report ─────────────────────────────────────────');
	line(
		'Directory',
		`${plural(users, 'user')} in the fake tenant, ${contactsRead} in scope (Sales/Support, enabled)`,
	);
	line(
		'Created',
		c.created +
			(c.adopted
				? ` (+ ${c.adopted} existing contact${c.adopted === 1 ? '' : 's'} adopted by phone number)`
				: ''),
	);
	line('Updated', c.updated);
	line('Unchanged', c.unchanged);
	line('Removed', c.removed + c.unsubscribed + c.removedFromLists);
	line('Rejected', c.rejected);
	line('Blocked (guard)', c.blocked);
	line('Failed', c.failed);
	const byMethod = Object.entries(summary.requests.byMethod as Record<string, number>)
		.map(([method, count]) => `${method} ${count}`)
		.join(', ');
	line(
		'MessageMedia requests',
		`${summary.requests.total}${byMethod ? ` (${byMethod})` : ''}, ${summary.requests.retries} retried`,
	);
	const writes = Object.entries(summary.requests.byMethod as Record<string, number>)
		.filter(([method]) => method !== 'GET')
		.reduce((sum, [, count]) => sum + count, 0);
	line('MessageMedia writes', writes === 0 ? '0 (nothing changed in the directory)' : writes);
	line(
		'Duration',
		`${(summary.durationMs / 1000).toFixed(1)} s sync, ${(result.durationMs / 1000).toFixed(1)} s with n8n start-up`,
	);
	const rejected = nodeOutput(result, DAILY.mapper, 1).slice(0, 4);
	if (rejected.length > 0) {
		console.log('  Rejected examples:');
		for (const item of rejected) {
			const source = (item.source ?? {}) as Json;
			console.log(`    • ${source.displayName ?? item.sourceId}: ${item.reason}`);
		}
	}
	if (summary.listsCreated?.length)
		line('Lists created', (summary.listsCreated as string[]).join(', '));
	if (summary.fieldsCreated?.length)
		line('Custom fields created', (summary.fieldsCreated as string[]).join(', '));
	console.log(`  "${report?.report ?? ''}"`);
	console.log('└──────────────────────────────────────────────────────────────────\n');
}

/** n8n 2.x asks for an owner account on first open; the demo creates one and prints it. */
async function ensureOwner(
	server: N8nServer,
	file: string,
): Promise<{ email: string; password: string }> {
	if (existsSync(file))
		return JSON.parse(readFileSync(file, 'utf8')) as { email: string; password: string };
	const owner = {
		email: 'demo@entra-sync.example',
		password: `Demo-${randomBytes(6).toString('hex')}1`,
	};
	const response = await fetch(`${server.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ ...owner, firstName: 'Entra', lastName: 'Sync Demo' }),
	});
	if (!response.ok)
		throw new Error(
			`could not create the n8n owner account (${response.status}): ${await response.text()}`,
		);
	writeFileSync(file, JSON.stringify(owner, null, 2));
	return owner;
}

export async function main(argv: string[]): Promise<void> {
	const args = parseArgs(argv);
	const stateFile = join(args.dir, 'fakes-state.json');
	const { seed, fresh } = loadSeed(stateFile);
	const fakes = await startFakes({
		port: args.fakesPort,
		seed,
		stateDir: join(args.dir, 'fakes'),
	}).catch((error: NodeJS.ErrnoException) => {
		const hint =
			error.code === 'EADDRINUSE'
				? `; port ${args.fakesPort} is taken, pass --fakes-port <free port>`
				: '';
		throw new Error(`could not start the fake services (${error.message})${hint}`);
	});
	console.log(
		`[demo] fake Entra ID + Microsoft Graph + MessageMedia on ${fakes.url} (${fresh ? 'sample organisation' : `state from ${stateFile}`})`,
	);
	let server: N8nServer | undefined;
	let stopping = false;
	const stop = async (code: number) => {
		if (stopping) return;
		stopping = true;
		console.log('\n[demo] stopping n8n and the fakes');
		await server?.stop();
		saveSeed(fakes, stateFile);
		await fakes.close();
		process.exit(code);
	};
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));

	try {
		const n8n = new N8n({
			n8nBin: args.n8nBin,
			userFolder: join(args.dir, 'n8n'),
			caFile: fakes.caFile,
		});
		const credentials = fakeCredentials(
			fakes.url,
			{
				tenantId: SAMPLE_TENANT_ID,
				clientId: SAMPLE_CLIENT_ID,
				clientSecret: SAMPLE_CLIENT_SECRET,
			},
			{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
			CREDENTIAL_IDS,
		);
		console.log('[demo] importing the credentials and templates/entra-sync.json into n8n');
		await n8n.importCredentials(credentials);
		const template = loadTemplate(resolve(__dirname, '..'), DAILY.file);
		await n8n.importWorkflows([withCredentials(template, WORKFLOW_ID, credentials)]);
		console.log('[demo] running the workflow (n8n execute)');
		const result = await n8n.execute(WORKFLOW_ID);
		if (result.status !== 'success')
			throw new Error(`the workflow failed:\n${describeExecution(result)}`);
		saveSeed(fakes, stateFile);
		printReport(result, fakes.state.snapshot());

		if (args.once) {
			await stop(0);
			return;
		}
		console.log(`[demo] starting n8n on http://localhost:${args.port} …`);
		server = await n8n.start({ port: args.port }).catch((error: Error) => {
			throw new Error(
				`could not start n8n on port ${args.port} (${error.message.split('\n')[0]}); pass --port <free port>`,
			);
		});
		const owner = await ensureOwner(server, join(args.dir, 'owner.json'));
		console.log(`
n8n is running with the Entra Sync template imported.
  Open       http://localhost:${args.port}/workflow/${WORKFLOW_ID}
  Sign in    ${owner.email} / ${owner.password}
  Try        "Execute workflow" (a second run writes nothing), or change "Sync contacts" → Dry Run.
  Fakes      ${fakes.url}/_admin/state shows the fake directory and contacts
Press Ctrl-C to stop n8n and the fakes (state is kept in ${args.dir}; npm run demo -- --once reruns headless).
`);
	} catch (error) {
		console.error(`[demo] ${(error as Error).message}`);
		await stop(1);
	}
}
