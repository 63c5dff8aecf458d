/**
 * End-to-end benchmark: the shipped templates in a real n8n against the HTTPS fakes with
 * 20 ms latency on every request. Run through `npm run bench` (scripts/bench.sh prepares n8n and the
 * packed package, then runs `node scripts/run-ts.ts bench/run.ts …`). Not part of CI.
 *
 * Every workflow runs as in production: published in `n8n start` and started by its Schedule Trigger
 * (its cron moved to a second ~45 s ahead); the execution is read back from n8n's database.
 *
 * Scenarios (each one counts the fakes' request log by service and method, next to the theoretical
 * minimum; wall time next to the latency bound; peak RSS of the n8n process):
 *   initial10k  — templates/entra-sync.json, 10k users in scope, empty MessageMedia account
 *   initial10kNoLatency — the same with 0 ms latency: what the run costs in CPU alone (explains the gap to the bound)
 *   rerun10k    — the same workflow again, no directory change
 *   changed10k  — 1 % of the users changed (80 renamed, 20 moved to the other department)
 *   peer10k     — the hand-built peer workflow (bench/peer-workflow.json), initial and rerun
 *   full100k    — templates/entra-sync.json, 100k users, empty account
 *   trigger100k — templates/entra-sync-realtime.json published in `n8n start`, 50 changes in the 100k directory
 *   queue250k   — bench/queue.ts: the partitioned template (4 partitions) in queue mode (main + 2 workers)
 *                 against the daily template in one `n8n start`, same directory (BENCH_QUEUE_USERS, 250k)
 *
 * Arguments: --n8n-bin <path> --base-user-folder <dir> --work-dir <dir> [--scenarios a,b,…]; or --report-only
 * (rewrites results.md from results.json and bench/analysis.md).
 * Environment: BENCH_SMALL_USERS (10000), BENCH_LARGE_USERS (100000), BENCH_LATENCY_MS (20).
 */
import { cpSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { MAX_PAGE_SIZE as GRAPH_MAX_PAGE_SIZE } from '../lib/entra/users';
import {
	MAX_PAGE_SIZE as MESSAGEMEDIA_MAX_PAGE_SIZE,
	PHONE_LOOKUP_CHUNK,
} from '../lib/messagemedia/client';
import { DEFAULT_SYNC_OPTIONS } from '../lib/sync';
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
} from '../test/fakes/sample-org';
import { startFakes, type RunningFakes } from '../test/fakes/server';
import type { FakeSeed, RequestLogEntry, SeedUser } from '../test/fakes/types';
import { N8n, nodeOutput, type Json } from '../test/e2e/support/n8n';
import {
	DAILY,
	REALTIME,
	fakeCredentials,
	loadTemplate,
	withCredentials,
} from '../test/e2e/support/workflows';
import { queue250k } from './queue';

export const PROJECT_ROOT = resolve(__dirname, '..');
const SMALL = Number(process.env.BENCH_SMALL_USERS ?? 10_000);
const LARGE = Number(process.env.BENCH_LARGE_USERS ?? 100_000);
export const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
/** The Sync node's default concurrency, the ceiling of the adaptive controller (requests in flight); everything else is sequential. */
export const SYNC_CONCURRENCY = DEFAULT_SYNC_OPTIONS.concurrency;
/** Page sizes and look-up chunks as the shipped code uses them. */
export const GRAPH_PAGE = GRAPH_MAX_PAGE_SIZE;
const MM_PAGE = MESSAGEMEDIA_MAX_PAGE_SIZE;
const LOOKUP_CHUNK = PHONE_LOOKUP_CHUNK;
/** Users per delta page the fake Graph serves in these runs. */
const DELTA_PAGE = 100;
export const LISTS = ['Sales', 'Support'];
const ALL_SCENARIOS = [
	'initial10k',
	'initial10kNoLatency',
	'rerun10k',
	'changed10k',
	'peer10k',
	'full100k',
	'trigger100k',
	'queue250k',
];

const IDS = {
	daily: 'benchDailySync001',
	realtime: 'benchRealtime0001',
	peer: 'benchPeerFlow0001',
};
export const CREDENTIAL_IDS = {
	entra: 'benchEntraCred001',
	messagemedia: 'benchMmCred000001',
	basic: 'benchBasicAuth001',
};

export interface Args {
	n8nBin: string;
	baseUserFolder: string;
	workDir: string;
	scenarios: string[];
}

function parseArgs(argv: string[]): Args {
	const value = (name: string) => {
		const index = argv.indexOf(`--${name}`);
		return index >= 0 ? argv[index + 1] : undefined;
	};
	const need = (name: string) => {
		const v = value(name);
		if (!v) throw new Error(`--${name} is required (run through "npm run bench")`);
		return v;
	};
	return {
		n8nBin: need('n8n-bin'),
		baseUserFolder: need('base-user-folder'),
		workDir: need('work-dir'),
		scenarios: (value('scenarios') ?? ALL_SCENARIOS.join(',')).split(',').filter(Boolean),
	};
}

// ---------------------------------------------------------------------------------------------
// Directory

const FIRST = [
	'Olivia',
	'Jack',
	'Charlotte',
	'Noah',
	'Amelia',
	'William',
	'Isla',
	'Oliver',
	'Mia',
	'Thomas',
	'Zoë',
	'José',
	'Søren',
	'Ngọc',
	'Aarav',
];
const LAST = [
	'Smith',
	'Jones',
	'Nguyen',
	"O'Brien",
	'Müller',
	'García',
	'Kowalski',
	'Chen',
	'Patel',
	'Ngata',
	'van der Berg',
	'Tanaka',
];

function userId(index: number): string {
	return `be0c0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** AU mobile 041x xxx xxx, unique per index, in three written forms. */
function mobileOf(index: number): string {
	const national = String(410_000_000 + index * 13);
	switch (index % 3) {
		case 0:
			return `0${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`;
		case 1:
			return `+61 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`;
		default:
			return `+61${national}`;
	}
}

/** N users, all in the template's scope (Sales or Support, enabled), with valid AU mobiles. */
export function directory(count: number): FakeSeed {
	const users: SeedUser[] = [];
	for (let i = 0; i < count; i++) {
		const givenName = FIRST[i % FIRST.length];
		const surname = LAST[(i * 7) % LAST.length];
		users.push({
			id: userId(i),
			displayName: `${givenName} ${surname}`,
			givenName,
			surname,
			userPrincipalName: `user${i}@contoso-bench.onmicrosoft.com`,
			mail: `user${i}@contoso-bench.example`,
			mobilePhone: mobileOf(i),
			businessPhones: [],
			department: LISTS[i % 2],
			jobTitle: 'Consultant',
			accountEnabled: true,
			usageLocation: 'AU',
		});
	}
	return {
		tenants: [
			{
				id: SAMPLE_TENANT_ID,
				displayName: 'Contoso (bench)',
				domains: ['contoso-bench.onmicrosoft.com'],
				apps: [
					{
						clientId: SAMPLE_CLIENT_ID,
						secret: SAMPLE_CLIENT_SECRET,
						consented: true,
						roles: ['User.Read.All', 'GroupMember.Read.All'],
					},
				],
				users,
			},
		],
		messagemedia: {
			accounts: [
				{
					apiKey: SAMPLE_MM_API_KEY,
					apiSecret: SAMPLE_MM_API_SECRET,
					accountId: 'Bench001',
					lists: [],
					customFields: [],
					contacts: [],
				},
			],
		},
	};
}

// ---------------------------------------------------------------------------------------------
// n8n processes

interface ProcessRun {
	/** 0 when the execution ended with status `success`. */
	exitCode: number | null;
	status?: string;
	wallMs: number;
	peakRssMb: number;
	/** The execution as n8n saved it: `{ status, data: { resultData: { runData } } }`. */
	run?: Json;
	/** Size of the execution data n8n saved (flatted JSON), MB. */
	savedMb?: number;
}

/** VmHWM (peak resident set) of a process, in kB; undefined once it has exited. */
function peakRssKb(pid: number): number | undefined {
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = /VmHWM:\s+(\d+) kB/.exec(status);
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}

export function watchRss(pid: number): { stop: () => number } {
	let peak = 0;
	const sample = () => {
		const kb = peakRssKb(pid);
		if (kb !== undefined && kb > peak) peak = kb;
	};
	const timer = setInterval(sample, 100);
	timer.unref();
	return {
		stop: () => {
			clearInterval(timer);
			return Math.round(peak / 1024);
		},
	};
}

/**
 * n8n start-up (3–10 s) plus import and publish fit well within this lead before the scheduled second
 * (BENCH_SCHEDULE_LEAD_MS for a busy host, where start-up can take a minute).
 */
export const SCHEDULE_LEAD_MS = Number(process.env.BENCH_SCHEDULE_LEAD_MS ?? 45_000);

/**
 * A copy of `workflow` whose Schedule Trigger fires once, at `at` (UTC, to the second): the template's own
 * trigger with its cron moved; a workflow with only a Manual Trigger gets a Schedule Trigger of that name.
 */
export function firingOnceAt(workflow: Json, at: Date): Json {
	const copy = structuredClone(workflow);
	const nodes = copy.nodes as Json[];
	const SCHEDULE = 'n8n-nodes-base.scheduleTrigger';
	const hasSchedule = nodes.some((node) => node.type === SCHEDULE);
	const expression = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
	for (const node of nodes) {
		if (node.type !== SCHEDULE && (hasSchedule || node.type !== 'n8n-nodes-base.manualTrigger'))
			continue;
		if (node.type !== SCHEDULE) Object.assign(node, { type: SCHEDULE, typeVersion: 1.2 });
		node.parameters = { rule: { interval: [{ field: 'cronExpression', expression }] } };
	}
	return copy;
}

/**
 * Runs `workflow` the way a user's n8n runs the template: published, in `n8n start`, started by its
 * Schedule Trigger. The execution is read back from n8n's database once n8n has saved it, and the peak
 * RSS covers start-up, the run and the save (`n8n execute` would also print the whole run as JSON).
 */
async function runScheduled(bench: Bench, workflow: Json): Promise<ProcessRun> {
	const { n8n } = bench;
	const id = workflow.id as string;
	const at = new Date(Math.ceil((Date.now() + SCHEDULE_LEAD_MS) / 1000) * 1000);
	await n8n.importWorkflows([firingOnceAt(workflow, at)]);
	await n8n.publish(id);
	const db = new DatabaseSync(join(n8n.userFolder, '.n8n', 'database.sqlite'), { readOnly: true });
	const latest = () =>
		db
			.prepare(
				'SELECT id, status, startedAt, stoppedAt FROM execution_entity WHERE workflowId = ? ORDER BY id DESC LIMIT 1',
			)
			.get(id) as
			| { id: number; status: string; startedAt: string | null; stoppedAt: string | null }
			| undefined;
	const before = latest()?.id ?? 0;
	const server = await n8n.start({ env: { GENERIC_TIMEZONE: 'UTC' } });
	const rss = watchRss(server.child.pid as number);
	let peakRssMb = 0;
	let execution:
		| { id: number; status: string; startedAt: string | null; stoppedAt: string | null }
		| undefined;
	try {
		if (Date.now() > at.getTime() - 2000)
			throw new Error(`n8n started too late for the scheduled time ${at.toISOString()}`);
		execution = await waitFor('the scheduled execution', 60 * 60_000, () => {
			const row = latest();
			return row &&
				row.id > before &&
				row.stoppedAt !== null &&
				!['new', 'running'].includes(row.status)
				? row
				: undefined;
		});
	} finally {
		await server.stop();
		peakRssMb = rss.stop();
		await n8n.unpublish(id);
	}
	const saved = db
		.prepare('SELECT data FROM execution_data WHERE executionId = ?')
		.get(execution.id) as { data: string } | undefined;
	db.close();
	const data = saved ? (flatted(n8n.n8nBin).parse(saved.data) as Json) : undefined;
	return {
		exitCode: execution.status === 'success' ? 0 : 1,
		status: execution.status,
		// n8n's own record of the execution (SQLite datetime, UTC).
		wallMs:
			Date.parse(`${execution.stoppedAt ?? ''}Z`) - Date.parse(`${execution.startedAt ?? ''}Z`),
		peakRssMb,
		run: data && { status: execution.status, data },
		savedMb: saved && Math.round(saved.data.length / 1024 / 1024),
	};
}

/** n8n saves execution data with `flatted`; the bench reads it with n8n's own copy. */
function flatted(n8nBin: string): { parse: (text: string) => unknown } {
	return createRequire(realpathSync(n8nBin))('flatted') as { parse: (text: string) => unknown };
}

// ---------------------------------------------------------------------------------------------
// Counting

type Counts = Record<string, Record<string, number>>;

function countLog(entries: RequestLogEntry[]): Counts {
	const counts: Counts = {};
	for (const entry of entries) {
		counts[entry.service] ??= {};
		counts[entry.service][entry.method] = (counts[entry.service][entry.method] ?? 0) + 1;
	}
	return counts;
}

function total(
	counts: Counts,
	filter: (service: string, method: string) => boolean = () => true,
): number {
	let sum = 0;
	for (const [service, methods] of Object.entries(counts))
		for (const [method, n] of Object.entries(methods)) if (filter(service, method)) sum += n;
	return sum;
}

const writesOf = (counts: Counts) =>
	total(counts, (service, method) => service === 'messagemedia' && method !== 'GET');

/** First request → last response, from the fakes' log (what the sync itself took, without n8n's start-up). */
function spanMs(entries: RequestLogEntry[]): number {
	if (entries.length === 0) return 0;
	const first = Date.parse(entries[0].time) - entries[0].durationMs;
	const last = Math.max(...entries.map((entry) => Date.parse(entry.time)));
	return last - first;
}

function meanServerMs(entries: RequestLogEntry[]): Record<string, number> {
	const sums = new Map<string, { total: number; n: number }>();
	for (const entry of entries) {
		const key = `${entry.service} ${entry.method}`;
		const sum = sums.get(key) ?? { total: 0, n: 0 };
		sum.total += entry.durationMs;
		sum.n++;
		sums.set(key, sum);
	}
	return Object.fromEntries(
		[...sums].map(([key, sum]) => [key, Number((sum.total / sum.n).toFixed(1))]),
	);
}

/** Most requests in flight at once (from each entry's start = end − duration). */
function maxInFlight(entries: RequestLogEntry[]): number {
	const events: Array<[number, number]> = [];
	for (const entry of entries) {
		const end = Date.parse(entry.time);
		events.push([end - entry.durationMs, 1], [end, -1]);
	}
	events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let current = 0;
	let max = 0;
	for (const [, delta] of events) {
		current += delta;
		max = Math.max(max, current);
	}
	return max;
}

export interface Minimum {
	formula: string;
	counts: Counts;
	/** Requests that must happen one after another (reads, field and list creates, bulk list calls). */
	sequential: number;
	/** Contact writes, `SYNC_CONCURRENCY` (or 1) in flight. */
	concurrent: number;
	concurrency: number;
}

function minimumTotal(minimum: Minimum): number {
	return total(minimum.counts);
}

/** requests ÷ concurrency × latency, with reads sequential and contact writes at the node's concurrency. */
function latencyBoundMs(minimum: Minimum): number {
	return (minimum.sequential + Math.ceil(minimum.concurrent / minimum.concurrency)) * LATENCY_MS;
}

export function initialMinimum(n: number): Minimum {
	const pages = Math.ceil(n / GRAPH_PAGE);
	return {
		formula: `token 1 + Graph ⌈N/999⌉ = ${pages} user pages; MessageMedia GET 3 (custom fields, lists, first contact page) + POST 2 custom fields (link, email) + POST L = ${LISTS.length} lists + POST N = ${n} contacts (joining their list in the create)`,
		counts: {
			token: { POST: 1 },
			graph: { GET: pages },
			messagemedia: { GET: 3, POST: 2 + LISTS.length + n },
		},
		sequential: 1 + pages + 3 + 2 + LISTS.length,
		concurrent: n,
		concurrency: SYNC_CONCURRENCY,
	};
}

function rerunMinimum(n: number, patches = 0, listCalls = 0): Minimum {
	const pages = Math.ceil(n / GRAPH_PAGE);
	const contactPages = Math.ceil(n / MM_PAGE);
	return {
		formula:
			`token 1 + Graph ⌈N/999⌉ = ${pages}; MessageMedia GET 2 + ⌈N/1000⌉ = ${2 + contactPages}` +
			(patches + listCalls > 0
				? ` + PATCH ${patches} changed contacts + PATCH ${listCalls} bulk list-membership calls (one per list gaining or losing members)`
				: '; 0 writes'),
		counts: {
			token: { POST: 1 },
			graph: { GET: pages },
			messagemedia: {
				GET: 2 + contactPages,
				...(patches + listCalls > 0 ? { PATCH: patches + listCalls } : {}),
			},
		},
		sequential: 1 + pages + 2 + contactPages + listCalls,
		concurrent: patches,
		concurrency: SYNC_CONCURRENCY,
	};
}

/** Removals an incremental run makes without weighing them against the linked contacts (the Sync node's default). */
const GUARD_ALWAYS_ALLOWED = 5;

function triggerMinimum(
	changes: number,
	patches: number,
	listCalls: number,
	moves: number,
): Minimum {
	const deltaPages = Math.ceil(changes / DELTA_PAGE);
	const lookups = Math.ceil(changes / LOOKUP_CHUNK);
	// More list moves than the guard always allows: one page of contacts is the evidence it weighs them against.
	const guardPage = moves > GUARD_ALWAYS_ALLOWED ? 1 : 0;
	return {
		formula:
			`Graph ⌈C/${DELTA_PAGE}⌉ = ${deltaPages} delta page(s) (token cached by the running n8n); MessageMedia GET 2 (custom fields, lists) + ⌈C/${LOOKUP_CHUNK}⌉ = ${lookups} look-ups by number` +
			(guardPage
				? ` + 1 page of 1000 contacts (${moves} list moves > ${GUARD_ALWAYS_ALLOWED}: the deletion guard weighs them against the linked contacts it knows)`
				: '') +
			` + PATCH ${patches} changed contacts + PATCH ${listCalls} bulk list calls; never all pages of contacts`,
		counts: {
			graph: { GET: deltaPages },
			messagemedia: { GET: 2 + lookups + guardPage, PATCH: patches + listCalls },
		},
		sequential: deltaPages + 2 + lookups + guardPage + listCalls,
		concurrent: patches,
		concurrency: SYNC_CONCURRENCY,
	};
}

function peerMinimum(n: number): Minimum {
	const pages = Math.ceil(n / GRAPH_PAGE);
	return {
		formula: `token 1 + Graph ⌈N/999⌉ = ${pages}; MessageMedia POST N = ${n} (one per contact, every run: the peer cannot tell what exists)`,
		counts: { token: { POST: 1 }, graph: { GET: pages }, messagemedia: { POST: n } },
		sequential: 1 + pages,
		concurrent: n,
		concurrency: 1,
	};
}

export interface ScenarioResult {
	/** The scenario (function) that produced it; a rerun of the scenario replaces its results. */
	group: string;
	date: string;
	scenario: string;
	workflow: string;
	users: number;
	description: string;
	exitCode: number | null;
	status?: string;
	counts: Counts;
	requests: number;
	writes: number;
	minimum: { formula: string; counts: Counts; requests: number; writes: number };
	latencyBoundMs: number;
	syncSpanMs: number;
	/** Most requests the fakes saw in flight at once. */
	maxInFlight: number;
	/** Mean time the fakes took per request (latency included), by service and method. */
	meanServerMs: Record<string, number>;
	processWallMs: number;
	peakRssMb: number;
	faultsOrErrors: Record<string, number>;
	summary?: Json;
	targets: Array<{ target: string; met: boolean; detail: string }>;
	notes: string[];
}

function statusHistogram(entries: RequestLogEntry[]): Record<string, number> {
	const histogram: Record<string, number> = {};
	for (const entry of entries) {
		if (entry.status < 400) continue;
		const key = `${entry.service} ${entry.method} ${entry.status}`;
		histogram[key] = (histogram[key] ?? 0) + 1;
	}
	return histogram;
}

export function result(
	scenario: string,
	workflow: string,
	users: number,
	description: string,
	run: {
		exitCode: number | null;
		status?: string;
		wallMs: number;
		peakRssMb: number;
		summary?: Json;
	},
	entries: RequestLogEntry[],
	minimum: Minimum,
): ScenarioResult {
	const counts = countLog(entries);
	return {
		group: currentGroup,
		date: new Date().toISOString(),
		scenario,
		workflow,
		users,
		description,
		exitCode: run.exitCode,
		status: run.status,
		counts,
		requests: total(counts),
		writes: writesOf(counts),
		minimum: {
			formula: minimum.formula,
			counts: minimum.counts,
			requests: minimumTotal(minimum),
			writes: writesOf(minimum.counts),
		},
		latencyBoundMs: latencyBoundMs(minimum),
		syncSpanMs: spanMs(entries),
		maxInFlight: maxInFlight(entries),
		meanServerMs: meanServerMs(entries),
		processWallMs: run.wallMs,
		peakRssMb: run.peakRssMb,
		faultsOrErrors: statusHistogram(entries),
		summary: run.summary,
		targets: [],
		notes: [],
	};
}

export function target(res: ScenarioResult, name: string, met: boolean, detail: string): void {
	res.targets.push({ target: name, met, detail });
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** The scenario running now (results are grouped by it). */
let currentGroup = '';

export interface Bench {
	args: Args;
	fakes: RunningFakes;
	n8n: N8n;
	results: ScenarioResult[];
	/** The daily template and the peer, with the bench's credentials (re-imported per scheduled run). */
	workflows: { daily: Json; peer: Json };
	loaded?: number;
}

/** The fakes' log of the scenario; every request must be in it, or the counts would be wrong. */
export function loggedRequests(bench: Bench): RequestLogEntry[] {
	const { log } = bench.fakes.state;
	if (log.dropped > 0)
		throw new Error(
			`the fakes' request log dropped ${log.dropped} entries (capacity ${log.capacity}): raise logCapacity`,
		);
	return [...log.entries];
}

function load(bench: Bench, users: number): void {
	if (bench.loaded === users) return;
	bench.fakes.state.load(directory(users));
	bench.loaded = users;
}

export function emptyAccount(bench: Bench): void {
	const seed = bench.fakes.state.snapshot();
	seed.messagemedia = directory(0).messagemedia;
	bench.fakes.state.load(seed);
}

/** What each node of a saved execution holds: its output items and their size as JSON. */
function itemsPerNode(data: Json): string {
	const runData =
		(
			data as {
				resultData?: {
					runData?: Record<
						string,
						Array<{ data?: { main?: Array<Array<{ json: unknown }> | null> } }>
					>;
				};
			}
		).resultData?.runData ?? {};
	return Object.entries(runData)
		.map(([node, runs]) => {
			const items = runs.flatMap((r) => (r.data?.main ?? []).flatMap((output) => output ?? []));
			const bytes = items.reduce((sum, item) => sum + JSON.stringify(item.json).length, 0);
			return `${node} ${items.length} (${(bytes / 1024 / 1024).toFixed(1)} MB)`;
		})
		.join(', ');
}

export async function runDaily(
	bench: Bench,
	scenario: string,
	users: number,
	description: string,
	minimum: Minimum,
): Promise<ScenarioResult> {
	bench.fakes.state.log.reset();
	const run = await runScheduled(bench, bench.workflows.daily);
	const entries = loggedRequests(bench);
	const summary = run.run ? nodeOutput({ run: run.run } as never, DAILY.sync, 1)[0] : undefined;
	const res = result(
		scenario,
		'templates/entra-sync.json',
		users,
		description,
		{
			...run,
			summary: summary && {
				counts: summary.counts,
				requests: summary.requests,
				durationMs: summary.durationMs,
				lookup: summary.lookup,
				guard: summary.guard?.status,
			},
		},
		entries,
		minimum,
	);
	res.notes.push(
		`run by its Schedule Trigger in \`n8n start\`; n8n saved ${run.savedMb ?? '?'} MB of execution data`,
	);
	if (run.run)
		res.notes.push(`items n8n held per node (count, JSON size): ${itemsPerNode(run.run.data)}`);
	const contacts = (
		bench.fakes.state.messagemediaView(SAMPLE_MM_API_KEY)[0] as { contacts: unknown[] }
	).contacts.length;
	res.notes.push(`MessageMedia holds ${contacts} contacts after the run`);
	return res;
}

export function checkInitial(res: ScenarioResult): void {
	// A run that did not finish has no request count or sync time to compare.
	const done = res.exitCode === 0 ? '' : ` (run did not complete: exit ${String(res.exitCode)})`;
	target(
		res,
		'requests ≤ 1.05 × minimum',
		!done && res.requests <= 1.05 * res.minimum.requests,
		`${res.requests} vs ${res.minimum.requests} (× ${(res.requests / res.minimum.requests).toFixed(3)})${done}`,
	);
	target(
		res,
		'sync time ≤ 1.3 × latency bound',
		!done && res.syncSpanMs <= 1.3 * res.latencyBoundMs,
		`${(res.syncSpanMs / 1000).toFixed(1)} s vs ${(res.latencyBoundMs / 1000).toFixed(1)} s (× ${(res.syncSpanMs / res.latencyBoundMs).toFixed(2)})${done}`,
	);
}

async function initial10k(bench: Bench): Promise<void> {
	load(bench, SMALL);
	emptyAccount(bench);
	const res = await runDaily(
		bench,
		'initial10k',
		SMALL,
		`initial full sync of ${SMALL} users into an empty account`,
		initialMinimum(SMALL),
	);
	checkInitial(res);
	bench.results.push(res);
}

async function initial10kNoLatency(bench: Bench): Promise<void> {
	load(bench, SMALL);
	emptyAccount(bench);
	bench.fakes.state.setFaults({});
	try {
		const res = await runDaily(
			bench,
			'initial10kNoLatency',
			SMALL,
			`initial10k again with 0 ms latency: the run's cost without waiting (n8n and the fakes share the 2 cores)`,
			initialMinimum(SMALL),
		);
		res.latencyBoundMs = 0;
		res.notes.push(
			'no latency bound: every request is answered without delay; the sync time is CPU and I/O alone',
		);
		bench.results.push(res);
	} finally {
		bench.fakes.state.setFaults({ rules: [{ latencyMs: LATENCY_MS }] });
	}
}

async function rerun10k(bench: Bench): Promise<void> {
	load(bench, SMALL);
	const res = await runDaily(
		bench,
		'rerun10k',
		SMALL,
		'the same workflow again, no directory change',
		rerunMinimum(SMALL),
	);
	target(
		res,
		'requests ≤ minimum + 2',
		res.requests <= res.minimum.requests + 2,
		`${res.requests} vs ${res.minimum.requests}`,
	);
	target(res, '0 writes', res.writes === 0, `${res.writes} writes`);
	bench.results.push(res);
}

async function changed10k(bench: Bench): Promise<void> {
	load(bench, SMALL);
	const changed = Math.max(1, Math.round(SMALL / 100));
	const moved = Math.round(changed / 5);
	for (let k = 0; k < changed; k++) {
		const index = k * 97 + 3;
		const id = userId(index);
		if (k < changed - moved)
			bench.fakes.state.updateUser(id, {
				givenName: `Renamed${k}`,
				displayName: `Renamed${k} ${LAST[(index * 7) % LAST.length]}`,
			});
		else bench.fakes.state.updateUser(id, { department: LISTS[(index + 1) % 2] });
	}
	const res = await runDaily(
		bench,
		'changed10k',
		SMALL,
		`1 % of the users changed: ${changed - moved} renamed, ${moved} moved to the other department (list)`,
		rerunMinimum(SMALL, changed - moved, LISTS.length),
	);
	target(
		res,
		'requests ≤ minimum + 2',
		res.requests <= res.minimum.requests + 2,
		`${res.requests} vs ${res.minimum.requests}`,
	);
	target(
		res,
		'writes = changed contacts + list calls',
		res.writes === res.minimum.writes,
		`${res.writes} vs ${res.minimum.writes}`,
	);
	bench.results.push(res);
}

async function peer10k(bench: Bench): Promise<void> {
	load(bench, SMALL);
	emptyAccount(bench);
	for (const [label, description] of [
		['peerInitial10k', `peer workflow, initial sync of ${SMALL} users`],
		['peerRerun10k', 'peer workflow again, no directory change'],
	] as const) {
		bench.fakes.state.log.reset();
		const run = await runScheduled(bench, bench.workflows.peer);
		const entries = loggedRequests(bench);
		const res = result(
			label,
			'bench/peer-workflow.json',
			SMALL,
			description,
			run,
			entries,
			peerMinimum(SMALL),
		);
		if (label === 'peerRerun10k') {
			target(
				res,
				'0 writes (as the template must)',
				res.writes === 0,
				`${res.writes} writes (${res.faultsOrErrors['messagemedia POST 409'] ?? 0} answered 409: the number already has a contact)`,
			);
		}
		const contacts = (
			bench.fakes.state.messagemediaView(SAMPLE_MM_API_KEY)[0] as { contacts: unknown[] }
		).contacts.length;
		res.notes.push(
			`MessageMedia holds ${contacts} contacts after the run; the peer writes no link field, no lists, no email and never updates or removes`,
		);
		bench.results.push(res);
	}
}

async function full100k(bench: Bench): Promise<void> {
	load(bench, LARGE);
	emptyAccount(bench);
	const res = await runDaily(
		bench,
		'full100k',
		LARGE,
		`initial full sync of ${LARGE} users into an empty account`,
		initialMinimum(LARGE),
	);
	checkInitial(res);
	const complete = LARGE >= 100_000;
	target(
		res,
		'100k users complete with peak RSS < 1.5 GB (the template as shipped)',
		complete && res.peakRssMb < 1536 && res.exitCode === 0,
		complete
			? `${res.peakRssMb} MB, exit ${res.exitCode}`
			: `run with ${LARGE} users only: ${res.peakRssMb} MB, exit ${res.exitCode} (see the analysis)`,
	);
	bench.results.push(res);
}

export async function waitFor<T>(
	what: string,
	timeoutMs: number,
	probe: () => T | undefined,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((done) => setTimeout(done, 250));
	}
}

/**
 * The account as the daily template leaves it after syncing `count` users (link and email fields, one
 * list per department), for a trigger run that does not follow a full100k run in the same process.
 */
function syncedAccount(count: number): NonNullable<FakeSeed['messagemedia']> {
	const contacts = [];
	for (let i = 0; i < count; i++) {
		contacts.push({
			firstName: FIRST[i % FIRST.length],
			lastName: LAST[(i * 7) % LAST.length],
			channels: [
				{
					channelId: `+61${410_000_000 + i * 13}`,
					type: 'SMS' as const,
					subscriptionState: 'SUBSCRIBED' as const,
				},
			],
			lists: [LISTS[i % 2]],
			customFields: { entra_object_id: userId(i), email: `user${i}@contoso-bench.example` },
		});
	}
	return {
		accounts: [
			{
				apiKey: SAMPLE_MM_API_KEY,
				apiSecret: SAMPLE_MM_API_SECRET,
				accountId: 'Bench001',
				lists: LISTS.map((name) => ({ name })),
				customFields: [
					{ label: 'Entra Object ID', mergeTag: 'entra_object_id', maxLength: 64, type: 'TEXT' },
					{ label: 'Email', mergeTag: 'email', maxLength: 254, type: 'EMAIL' },
				],
				contacts,
			},
		],
	};
}

async function trigger100k(bench: Bench): Promise<void> {
	load(bench, LARGE);
	let linked = (bench.fakes.state.messagemediaView(SAMPLE_MM_API_KEY)[0] as { contacts: unknown[] })
		.contacts.length;
	let seeded = false;
	if (linked < LARGE * 0.9) {
		const seed = bench.fakes.state.snapshot();
		seed.messagemedia = syncedAccount(LARGE);
		bench.fakes.state.load(seed);
		linked = LARGE;
		seeded = true;
	}
	const changes = 50;
	const moved = 10;
	await bench.n8n.publish(IDS.realtime);
	bench.fakes.state.log.reset();
	const started = Date.now();
	const server = await bench.n8n.start();
	const rss = watchRss(server.child.pid as number);
	let peakRssMb = 0;
	try {
		await waitFor('the activation poll', 120_000, () =>
			bench.fakes.state.log.entries.some(
				(entry) =>
					entry.service === 'graph' && entry.path.endsWith('/users/delta') && entry.status === 200,
			)
				? true
				: undefined,
		);
		await new Promise((done) => setTimeout(done, 1000));
		bench.fakes.state.log.reset();
		for (let k = 0; k < changes; k++) {
			const index = (k * 1999 + 11) % LARGE;
			if (k < changes - moved)
				bench.fakes.state.updateUser(userId(index), {
					givenName: `Moved${k}`,
					displayName: `Moved${k} ${LAST[(index * 7) % LAST.length]}`,
				});
			else bench.fakes.state.updateUser(userId(index), { department: LISTS[(index + 1) % 2] });
		}
		// The next poll (n8n polls every minute) picks the changes up; the run is over when the log stays quiet.
		await waitFor('the triggered sync', 180_000, () => {
			const entries = bench.fakes.state.log.entries;
			const synced = entries.some((entry) => entry.service === 'messagemedia');
			const quiet =
				entries.length > 0 && Date.now() - Date.parse(entries[entries.length - 1].time) > 8000;
			return synced && quiet ? true : undefined;
		});
	} finally {
		await server.stop();
		peakRssMb = rss.stop();
		await bench.n8n.unpublish(IDS.realtime);
	}
	const entries = loggedRequests(bench);
	const res = result(
		'trigger100k',
		'templates/entra-sync-realtime.json',
		LARGE,
		`published trigger workflow in \`n8n start\`; ${changes} changes (${changes - moved} renamed, ${moved} moved list) in a ${LARGE}-user directory with ${linked} linked contacts`,
		{ exitCode: 0, status: 'polled', wallMs: Date.now() - started, peakRssMb },
		entries,
		triggerMinimum(changes, changes - moved, LISTS.length, moved),
	);
	if (seeded)
		res.notes.push(
			`the account was seeded with the ${LARGE} linked contacts a full sync leaves (full100k did not complete in this process)`,
		);
	const fullPages = entries.filter(
		(entry) =>
			entry.service === 'messagemedia' &&
			entry.method === 'GET' &&
			entry.path === '/api/v1/contacts/contacts' &&
			!('channelIds' in entry.query),
	);
	const guardPages = moved > GUARD_ALWAYS_ALLOWED ? 1 : 0;
	target(
		res,
		'does not page through all MessageMedia contacts',
		fullPages.length <= guardPages,
		`${fullPages.length} page(s) of contacts read (${guardPages} for the deletion guard)`,
	);
	target(
		res,
		'requests ≤ minimum + 2',
		res.requests <= res.minimum.requests + 2,
		`${res.requests} vs ${res.minimum.requests}`,
	);
	res.notes.push(
		'process wall time and peak RSS are of the `n8n start` server over the whole scenario (start-up, activation poll, one triggered execution)',
	);
	bench.results.push(res);
}

const SCENARIOS: Record<string, (bench: Bench) => Promise<void>> = {
	initial10k,
	initial10kNoLatency,
	rerun10k,
	changed10k,
	peer10k,
	full100k,
	trigger100k,
	// bench/queue.ts: it uses this file's helpers (a circular import, called only once both are loaded).
	queue250k,
};

// ---------------------------------------------------------------------------------------------
// Report

function machine(): Record<string, unknown> {
	return {
		date: new Date().toISOString(),
		cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
		memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
		freeMemoryGbAtEnd: Number((freemem() / 1024 ** 3).toFixed(1)),
		loadAverage1m: Number(loadavg()[0].toFixed(2)),
		node: process.version,
		n8n: process.env.N8N_VERSION,
		latencyMsPerRequest: LATENCY_MS,
		syncConcurrency: SYNC_CONCURRENCY,
	};
}

function countsText(counts: Counts): string {
	return Object.entries(counts)
		.flatMap(([service, methods]) =>
			Object.entries(methods).map(([method, n]) => `${service} ${method} ${n}`),
		)
		.join(', ');
}

function markdown(report: {
	machine: Record<string, unknown>;
	mapping?: Json;
	results: ScenarioResult[];
	notRun: string[];
}): string {
	const m = report.machine;
	const lines = [
		'# Benchmark results',
		'',
		`Generated by \`npm run bench\` (scripts/bench.sh → bench/run.ts) on ${String(m.date)}. Not part of CI: numbers depend on the machine.`,
		'',
		`Machine: ${String(m.cpu)}, ${String(m.memoryGb)} GB RAM, Node ${String(m.node)}, n8n ${String(m.n8n)}; load average (1 min) at the end ${String(m.loadAverage1m)}. The fakes run in the benchmark's own Node process on the same 2 cores as n8n.`,
		'',
		`Every request to the fakes (token, Graph, MessageMedia) waits ${String(m.latencyMsPerRequest)} ms before it is handled. Requests are counted from the fakes' request log. **Latency bound** = (sequential requests + ⌈contact writes ÷ concurrency⌉) × latency: reads, custom-field and list creates and bulk list calls happen one after another, contact writes ${SYNC_CONCURRENCY} at a time (the Sync node's default concurrency). For the peer the bound assumes one request at a time, as a per-item node suggests; n8n's HTTP Request node in fact sends many items' requests at once (column *max in flight*, from the fakes' log). **Sync time** is first request → last response in the log. **n8n wall** is the execution's start → end as n8n recorded it (trigger100k: the \`n8n start\` process over the whole scenario). **Peak RSS** is VmHWM of the \`n8n start\` process: start-up, the run, and saving the execution to its database.`,
		'',
		'| scenario | requests (by service and method) | minimum | requests ÷ min | writes | sync time | latency bound | max in flight | n8n wall | peak RSS |',
		'| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
	];
	for (const r of report.results) {
		lines.push(
			`| ${r.scenario} (${r.users} users) | ${countsText(r.counts)} | ${r.minimum.requests} | ${(r.requests / r.minimum.requests).toFixed(3)} | ${r.writes} | ${(r.syncSpanMs / 1000).toFixed(1)} s | ${r.latencyBoundMs > 0 ? `${(r.latencyBoundMs / 1000).toFixed(1)} s` : '—'} | ${r.maxInFlight ?? '?'} | ${(r.processWallMs / 1000).toFixed(1)} s | ${r.peakRssMb} MB |`,
		);
	}
	lines.push(
		'',
		'## Targets',
		'',
		'| scenario | target | met | detail |',
		'| --- | --- | --- | --- |',
	);
	for (const r of report.results)
		for (const t of r.targets)
			lines.push(`| ${r.scenario} | ${t.target} | ${t.met ? 'yes' : '**no**'} | ${t.detail} |`);
	lines.push('', '## Scenarios, minimums and notes', '');
	for (const r of report.results) {
		lines.push(
			`### ${r.scenario}: ${r.description}`,
			'',
			`Run ${r.date ?? String(report.machine.date)}. Workflow: \`${r.workflow}\`; n8n exit ${r.exitCode}${r.status ? `, status ${r.status}` : ''}.`,
			'',
		);
		lines.push(
			`- Measured: ${countsText(r.counts)} (${r.requests} requests, ${r.writes} MessageMedia writes).`,
		);
		lines.push(
			`- Minimum: ${r.minimum.formula} → ${r.minimum.requests} requests (${countsText(r.minimum.counts)}).`,
		);
		if (Object.keys(r.faultsOrErrors).length > 0)
			lines.push(
				`- Error answers: ${Object.entries(r.faultsOrErrors)
					.map(([k, n]) => `${k} × ${n}`)
					.join(', ')}.`,
			);
		if (r.meanServerMs)
			lines.push(
				`- Mean time in the fakes per request (latency included): ${Object.entries(r.meanServerMs)
					.map(([k, ms]) => `${k} ${ms} ms`)
					.join(', ')}.`,
			);
		if (r.summary) lines.push(`- Sync node summary: ${JSON.stringify(r.summary)}.`);
		for (const note of r.notes) lines.push(`- ${note}.`);
		lines.push('');
	}
	if (report.mapping) {
		const mapping = report.mapping;
		lines.push(
			'## Mapping throughput',
			'',
			`Contact Mapper alone (bench/mapping.ts, ${String(mapping.users)} users, the example configuration, run ${String(mapping.date)}): median ${String(mapping.usersPerSecond?.median)} users/s wall, ${String(mapping.usersPerCpuSecond?.median)} users per CPU second — goal ≥ ${String(mapping.targetUsersPerSecond)} users/s median: **${mapping.meetsTarget ? 'met' : 'missed'}** (see bench/results-mapping.json).`,
			'',
		);
		const repeats = (mapping.repeats ?? []) as Array<{
			loadAverage1m: number;
			medianUsersPerSecond: number;
			medianUsersPerCpuSecond: number;
		}>;
		if (repeats.length > 0) {
			lines.push(
				'| measurement | median users/s (wall) | users per CPU second | load average (1 min) |',
				'| --- | --- | --- | --- |',
			);
			repeats.forEach((r, i) =>
				lines.push(
					`| ${i + 1} | ${r.medianUsersPerSecond} | ${r.medianUsersPerCpuSecond} | ${r.loadAverage1m} |`,
				),
			);
			lines.push('');
		}
	}
	const limitedFile = join(PROJECT_ROOT, 'bench', 'results-ratelimited.json');
	if (existsSync(limitedFile)) {
		const limited = JSON.parse(readFileSync(limitedFile, 'utf8')) as {
			date: string;
			rows: Array<Record<string, any>>;
		};
		lines.push(
			'## Rate-limited MessageMedia (ratelimited10k)',
			'',
			`bench/ratelimited.ts, run ${limited.date}: an initial sync of N users through the sync engine and the real client against the fakes in their own process, 20 ms latency per request and a token bucket of L requests/s per account (429 with Retry-After beyond it). Goals: throughput (answered requests per second of sync) ≥ 90 % of the limit, ≤ 5 % of requests throttled, no failed contact.`,
			'',
			'| limit | users | ceiling | throughput | of limit | throttled | concurrency reached / final | failed | duration | load average (1 min, before → after) | goals |',
			'| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
		);
		for (const r of limited.rows) {
			lines.push(
				`| ${r.limit}/s | ${r.users} | ${r.ceiling} | ${r.throughput}/s | ${(100 * r.ofLimit).toFixed(1)} % | ${r.throttled} (${(100 * r.throttledShare).toFixed(2)} %) | ${r.concurrency?.reached} / ${r.concurrency?.final} | ${r.failed} | ${(r.durationMs / 1000).toFixed(1)} s | ${r.loadBefore[0]} → ${r.loadAfter[0]} | ${r.met ? 'met' : '**missed**'} |`,
			);
		}
		lines.push('');
	}
	// Why a target was missed: written by whoever ran the benchmark after reading the numbers (bench/analysis.md).
	const analysis = join(PROJECT_ROOT, 'bench', 'analysis.md');
	if (existsSync(analysis)) lines.push(readFileSync(analysis, 'utf8').trim(), '');
	if (report.notRun.length > 0)
		lines.push('## Not run', '', ...report.notRun.map((line) => `- ${line}`), '');
	return `${lines.join('\n')}\n`;
}

/**
 * Writes results.json and results.md. Results of scenarios not run this time are kept from the previous
 * results.json (each result carries its date), so `--scenarios x` updates x alone.
 */
function writeReport(bench: Bench, failed: string[]): void {
	const mappingFile = join(PROJECT_ROOT, 'bench', 'results-mapping.json');
	const mapping = existsSync(mappingFile)
		? (JSON.parse(readFileSync(mappingFile, 'utf8')) as Json)
		: undefined;
	const resultsFile = join(PROJECT_ROOT, 'bench', 'results.json');
	const previous = existsSync(resultsFile)
		? ((JSON.parse(readFileSync(resultsFile, 'utf8')) as { results?: ScenarioResult[] }).results ??
			[])
		: [];
	for (const r of previous) r.group ??= r.scenario.startsWith('peer') ? 'peer10k' : r.scenario;
	const kept = previous.filter((r) => !bench.args.scenarios.includes(r.group));
	const results = [...kept, ...bench.results].sort(
		(a, b) => ALL_SCENARIOS.indexOf(a.group) - ALL_SCENARIOS.indexOf(b.group),
	);
	const ran = new Set(results.map((r) => r.group));
	const notRun = [
		...failed,
		...ALL_SCENARIOS.filter((s) => !ran.has(s) && !failed.some((f) => f.startsWith(`${s}:`))).map(
			(s) => `${s}: not run in the runs recorded here (see the analysis above)`,
		),
	];
	const report = { machine: machine(), mapping, results, notRun };
	writeFileSync(
		join(PROJECT_ROOT, 'bench', 'results.json'),
		`${JSON.stringify(report, null, 2)}\n`,
	);
	writeFileSync(join(PROJECT_ROOT, 'bench', 'results.md'), markdown(report));
}

export async function main(argv: string[]): Promise<void> {
	if (argv.includes('--report-only')) {
		// Rewrites results.md from results.json (e.g. after editing bench/analysis.md).
		writeReport(
			{ args: { scenarios: [] } as unknown as Args, results: [] } as unknown as Bench,
			[],
		);
		return;
	}
	const args = parseArgs(argv);
	const unknown = args.scenarios.filter((s) => !SCENARIOS[s]);
	if (unknown.length > 0)
		throw new Error(
			`unknown scenario(s) ${unknown.join(', ')} (known: ${ALL_SCENARIOS.join(', ')})`,
		);
	const fakes = await startFakes({
		seed: directory(0),
		stateDir: join(args.workDir, 'fakes'),
		faults: { rules: [{ latencyMs: LATENCY_MS }] },
		deltaPageSize: DELTA_PAGE,
		// Every request of the largest scenario (about 1 per user, plus the peer's) must stay countable.
		logCapacity: 3 * Math.max(SMALL, LARGE) + 10_000,
	});
	const userFolder = join(args.workDir, 'n8n-bench');
	cpSync(args.baseUserFolder, userFolder, { recursive: true });
	const n8n = new N8n({ n8nBin: args.n8nBin, userFolder, caFile: fakes.caFile });
	const bench: Bench = { args, fakes, n8n, results: [], workflows: { daily: {}, peer: {} } };
	try {
		const credentials = fakeCredentials(
			fakes.url,
			{
				tenantId: SAMPLE_TENANT_ID,
				clientId: SAMPLE_CLIENT_ID,
				clientSecret: SAMPLE_CLIENT_SECRET,
			},
			{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
			{ entra: CREDENTIAL_IDS.entra, messagemedia: CREDENTIAL_IDS.messagemedia },
		);
		await n8n.importCredentials([
			...credentials,
			{
				id: CREDENTIAL_IDS.basic,
				name: 'MessageMedia basic auth (peer)',
				type: 'httpBasicAuth',
				data: { user: SAMPLE_MM_API_KEY, password: SAMPLE_MM_API_SECRET },
			},
		]);
		const peer = JSON.parse(
			readFileSync(join(PROJECT_ROOT, 'bench', 'peer-workflow.json'), 'utf8')
				.replaceAll('__FAKES_URL__', fakes.url)
				.replaceAll('__TENANT_ID__', SAMPLE_TENANT_ID)
				.replaceAll('__CLIENT_ID__', SAMPLE_CLIENT_ID)
				.replaceAll('__CLIENT_SECRET__', SAMPLE_CLIENT_SECRET)
				.replaceAll('__BASIC_CREDENTIAL_ID__', CREDENTIAL_IDS.basic),
		) as Json;
		bench.workflows = {
			daily: withCredentials(
				loadTemplate(PROJECT_ROOT, DAILY.file),
				IDS.daily,
				credentials,
				'Bench: daily template',
			),
			peer: { ...peer, id: IDS.peer },
		};
		await n8n.importWorkflows([
			withCredentials(
				loadTemplate(PROJECT_ROOT, REALTIME.file),
				IDS.realtime,
				credentials,
				'Bench: realtime template',
			),
		]);
		const notRun: string[] = [];
		for (const scenario of args.scenarios) {
			const started = Date.now();
			currentGroup = scenario;
			process.stderr.write(`[bench] ${scenario} …\n`);
			try {
				await SCENARIOS[scenario](bench);
			} catch (error) {
				notRun.push(`${scenario}: failed — ${(error as Error).message}`);
			}
			process.stderr.write(
				`[bench] ${scenario} done in ${Math.round((Date.now() - started) / 1000)} s\n`,
			);
			writeReport(bench, notRun);
		}
		writeReport(bench, notRun);
		process.stderr.write(`[bench] results in bench/results.md and bench/results.json\n`);
	} finally {
		await fakes.close();
	}
}
