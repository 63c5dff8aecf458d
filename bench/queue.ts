/**
 * Queue-mode scenario of `npm run bench` (`--scenarios queue250k`): the partitioned template
 * (templates/entra-sync-partitioned.json, 4 partitions) in n8n's queue mode — one `n8n start` main,
 * two `n8n worker`s, a private PostgreSQL and Redis (scripts/queue-services.sh) — against the daily
 * template in one `n8n start` (the single-process run), on the same directory, in the same bench run.
 * Both start from an empty MessageMedia account.
 *
 * The directory is the bench's (run.ts `directory`, all users in Sales or Support) with each user in
 * one of four offices (`city`); the partitions are the offices (Read partition filters `city`), so both
 * workflows sync exactly the same users. Size: BENCH_QUEUE_USERS (default 250000).
 *
 * Measured: wall time (n8n's record of the parent execution vs the single run's), requests vs the
 * minimum, peak RSS (VmHWM) of every process. Goals: every process below 1.5 GB; the queue-mode wall
 * time at most 0.6 × the single-process run's.
 */
import { rmSync } from 'node:fs';

import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
} from '../test/fakes/sample-org';
import { freePort, type Json } from '../test/e2e/support/n8n';
import {
	PARTITION_KEY,
	QueueDeployment,
	executions,
	partitionsOnMain,
	startQueueServices,
	stopQueueServices,
} from '../test/e2e/support/queue';
import { fakeCredentials, loadTemplate, withCredentials } from '../test/e2e/support/workflows';
import {
	CREDENTIAL_IDS,
	GRAPH_PAGE,
	LISTS,
	PROJECT_ROOT,
	SCHEDULE_LEAD_MS,
	SYNC_CONCURRENCY,
	checkInitial,
	directory,
	emptyAccount,
	firingOnceAt,
	initialMinimum,
	loggedRequests,
	result,
	runDaily,
	target,
	waitFor,
	watchRss,
	type Bench,
	type Minimum,
} from './run';

const USERS = Number(process.env.BENCH_QUEUE_USERS ?? 250_000);
const OFFICES = ['Sydney', 'Melbourne', 'Brisbane', 'Perth'];
const PARTITIONED_ID = 'benchPartitioned1';
const MAX_RSS_MB = 1536;
const WALL_RATIO = 0.6;

/** The bench directory with every user in one of the four offices (a partition each). */
function load(bench: Bench): void {
	const seed = directory(USERS);
	seed.tenants?.[0].users?.forEach((user, index) => {
		user.city = OFFICES[index % OFFICES.length];
	});
	bench.fakes.state.load(seed);
	// run.ts `load` caches by size: this directory differs from its own.
	bench.loaded = undefined;
}

/** Per partition: token, its Graph pages and the three MessageMedia reads; fields, lists and contacts once. */
function partitionedMinimum(n: number): Minimum {
	const sizes = OFFICES.map(
		(_, p) => Math.floor(n / OFFICES.length) + (p < n % OFFICES.length ? 1 : 0),
	);
	const pages = sizes.reduce((sum, size) => sum + Math.ceil(size / GRAPH_PAGE), 0);
	const parts = OFFICES.length;
	return {
		formula: `per partition (${parts}): token 1 + Graph ⌈Nₚ/999⌉ (${pages} pages in all) + MessageMedia GET 3; once: POST 2 custom fields + POST ${LISTS.length} lists + POST N = ${n} contacts`,
		counts: {
			token: { POST: parts },
			graph: { GET: pages },
			messagemedia: { GET: 3 * parts, POST: 2 + LISTS.length + n },
		},
		sequential:
			1 + Math.max(...sizes.map((size) => Math.ceil(size / GRAPH_PAGE))) + 3 + 2 + LISTS.length,
		concurrent: n,
		concurrency: SYNC_CONCURRENCY * parts,
	};
}

/** The partitioned template as the bench runs it: offices as partitions (Read partition filters `city`), firing once at `at`. */
function partitionedWorkflow(
	credentials: ReturnType<typeof fakeCredentials>,
	port: number,
	at: Date,
): Json {
	const workflow = partitionsOnMain(
		withCredentials(
			loadTemplate(PROJECT_ROOT, 'entra-sync-partitioned.json'),
			PARTITIONED_ID,
			credentials,
			'Bench: partitioned template',
		),
		port,
	);
	for (const node of workflow.nodes as Json[]) {
		if (node.name === 'List partitions') {
			const code = node.parameters.jsCode as string;
			node.parameters.jsCode = code.replace(
				"['Sales', 'Support']",
				JSON.stringify(OFFICES).replaceAll('"', "'"),
			);
			if (node.parameters.jsCode === code)
				throw new Error('the partitioned template no longer lists its partitions as expected');
		}
		if (node.name === 'Read partition') {
			for (const condition of node.parameters.filters.conditions as Json[])
				if (condition.attribute === 'department') condition.attribute = 'city';
		}
	}
	return firingOnceAt(workflow, at);
}

export async function queue250k(bench: Bench): Promise<void> {
	load(bench);

	// 1. The daily template in one `n8n start` (run.ts runDaily), from an empty account.
	emptyAccount(bench);
	const single = await runDaily(
		bench,
		'queueSingle',
		USERS,
		`daily template in one \`n8n start\`, ${USERS} users into an empty account (the queue-mode run's baseline)`,
		initialMinimum(USERS),
	);
	checkInitial(single);
	bench.results.push(single);
	const singleContacts = (
		bench.fakes.state.messagemediaView(SAMPLE_MM_API_KEY)[0] as { contacts: unknown[] }
	).contacts.length;

	// 2. The partitioned template in queue mode, same directory, empty account again.
	emptyAccount(bench);
	bench.fakes.state.log.reset();
	// The e2e support's queue deployment reads its n8n and scratch folder from these.
	process.env.ENTRA_SYNC_E2E_N8N_BIN = bench.args.n8nBin;
	process.env.ENTRA_SYNC_E2E_BASE_USER_FOLDER = bench.args.baseUserFolder;
	process.env.ENTRA_SYNC_E2E_WORK_DIR = bench.args.workDir;
	const services = startQueueServices();
	const port = await freePort();
	const deployment = new QueueDeployment(services, bench.fakes.caFile, 2, port);
	const rss = new Map<string, { stop: () => number }>();
	const peaks: Record<string, number> = {};
	let parent: ReturnType<typeof executions>[number] | undefined;
	try {
		const credentials = fakeCredentials(
			bench.fakes.url,
			{
				tenantId: SAMPLE_TENANT_ID,
				clientId: SAMPLE_CLIENT_ID,
				clientSecret: SAMPLE_CLIENT_SECRET,
			},
			{ apiKey: SAMPLE_MM_API_KEY, apiSecret: SAMPLE_MM_API_SECRET },
			{ entra: CREDENTIAL_IDS.entra, messagemedia: CREDENTIAL_IDS.messagemedia },
		);
		await deployment.main.importCredentials([...credentials, PARTITION_KEY]);
		// Three processes start before the scheduled second: twice the single-process lead.
		const at = new Date(Math.ceil((Date.now() + 2 * SCHEDULE_LEAD_MS) / 1000) * 1000);
		await deployment.main.importWorkflows([partitionedWorkflow(credentials, port, at)]);
		await deployment.main.publish(PARTITIONED_ID);
		// The parent and the partitions of one worker at once: 3 jobs per worker.
		await deployment.start({ concurrency: 3 });
		rss.set('main', watchRss(deployment.mainServer?.child.pid as number));
		deployment.workerServers.forEach((worker, i) =>
			rss.set(`worker ${i + 1}`, watchRss(worker.child.pid as number)),
		);
		if (Date.now() > at.getTime() - 2000)
			throw new Error(`the deployment started too late for the scheduled time ${at.toISOString()}`);
		parent = await waitFor('the partitioned run', 6 * 60 * 60_000, () =>
			executions(services).find(
				(e) =>
					e.workflowId === PARTITIONED_ID &&
					e.mode === 'trigger' &&
					e.stoppedAt !== undefined &&
					!['new', 'running'].includes(e.status),
			),
		);
	} finally {
		const ranOn = deployment.executedBy();
		await deployment.stop();
		for (const [name, watch] of rss) peaks[name] = watch.stop();
		const runs = executions(services).filter((e) => e.workflowId === PARTITIONED_ID);
		stopQueueServices(services);
		if (parent !== undefined) {
			const partitions = runs.filter((e) => e.mode === 'webhook');
			const entries = loggedRequests(bench);
			const wallMs = (parent.stoppedAt as number) - parent.startedAt;
			const peak = Math.max(...Object.values(peaks));
			const res = result(
				'queuePartitioned',
				'templates/entra-sync-partitioned.json',
				USERS,
				`partitioned template, ${OFFICES.length} partitions, queue mode (main + 2 workers, concurrency 3), ${USERS} users into an empty account`,
				{
					exitCode: parent.status === 'success' ? 0 : 1,
					status: parent.status,
					wallMs,
					peakRssMb: peak,
				},
				entries,
				partitionedMinimum(USERS),
			);
			res.notes.push(
				`peak RSS per process: ${Object.entries(peaks)
					.map(([name, mb]) => `${name} ${mb} MB`)
					.join(', ')}; single-process n8n ${single.peakRssMb} MB`,
			);
			res.notes.push(
				`partition executions by worker: ${[...new Set(partitions.map((e) => ranOn.get(e.id)))].map((w) => `worker ${(w ?? -1) + 1}: ${partitions.filter((e) => ranOn.get(e.id) === w).length}`).join(', ')}`,
			);
			const contacts = (
				bench.fakes.state.messagemediaView(SAMPLE_MM_API_KEY)[0] as { contacts: unknown[] }
			).contacts.length;
			res.notes.push(
				`MessageMedia holds ${contacts} contacts after the run (after the single-process run: ${singleContacts})`,
			);
			target(
				res,
				'every process below 1.5 GB',
				Math.max(peak, single.peakRssMb) < MAX_RSS_MB,
				`${Object.entries(peaks)
					.map(([name, mb]) => `${name} ${mb} MB`)
					.join(', ')}; single-process ${single.peakRssMb} MB`,
			);
			target(
				res,
				`wall time ≤ ${WALL_RATIO} × the single-process run`,
				res.exitCode === 0 && single.exitCode === 0 && wallMs <= WALL_RATIO * single.processWallMs,
				`${(wallMs / 1000).toFixed(1)} s vs ${(single.processWallMs / 1000).toFixed(1)} s (${(wallMs / single.processWallMs).toFixed(2)} ×)`,
			);
			target(
				res,
				'partitions ran on both workers',
				new Set(partitions.map((e) => ranOn.get(e.id))).size === 2,
				`${partitions.length} partition executions`,
			);
			target(
				res,
				'every contact created once',
				contacts === USERS,
				`${contacts} contacts for ${USERS} users`,
			);
			bench.results.push(res);
		}
		rmSync(services.dir, { recursive: true, force: true });
	}
}
