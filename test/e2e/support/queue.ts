/**
 * n8n in queue mode for the e2e suite: one main (`n8n start`: triggers, pollers, the queue's producer)
 * and workers (`n8n worker`: they run the executions), sharing a PostgreSQL database, a Redis and the
 * encryption key. PostgreSQL and Redis are private to the test file (scripts/queue-services.sh).
 *
 * Each process has a user folder of its own with the package installed, as each machine of a queue-
 * mode deployment needs it (README "Queue mode and large directories").
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { e2eConfig } from './config';
import { N8n, type CredentialSpec, type Json, type N8nServer } from './n8n';

/** psql of the PostgreSQL that scripts/queue-services.sh uses (the newest /usr/lib/postgresql/<version>). */
export const PG_BIN =
	process.env.PG_BIN ??
	(existsSync('/usr/lib/postgresql')
		? readdirSync('/usr/lib/postgresql')
				.filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'psql')))
				.sort((a, b) => Number(a) - Number(b))
				.map((v) => join('/usr/lib/postgresql', v, 'bin'))
				.pop()
		: undefined) ??
	'';

export interface QueueServices {
	dir: string;
	pgPort: number;
	redisPort: number;
}

const running = new Set<string>();

function script(action: 'start' | 'stop', dir: string): string {
	const result = spawnSync(
		'bash',
		[join(e2eConfig().projectRoot, 'scripts', 'queue-services.sh'), action, dir],
		{ encoding: 'utf8', timeout: 300_000 },
	);
	if (result.status !== 0)
		throw new Error(
			`queue-services.sh ${action} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	return result.stdout;
}

/** Stops the services even when the test process ends without its afterAll (scripts/e2e.sh stops them too). */
process.once('exit', () => {
	for (const dir of running)
		spawnSync('bash', [
			join(__dirname, '..', '..', '..', 'scripts', 'queue-services.sh'),
			'stop',
			dir,
		]);
});

export function startQueueServices(): QueueServices {
	const config = e2eConfig();
	// Under /tmp, not the scratch directory: the postgres user must be able to reach its data folder.
	const dir = mkdtempSync(join(tmpdir(), 'entra-sync-queue-'));
	appendFileSync(join(config.workDir, 'queue-services.list'), `${dir}\n`);
	running.add(dir);
	const line = script('start', dir).trim().split('\n').pop() ?? '';
	const value = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1]);
	return { dir, pgPort: value('QUEUE_PG_PORT'), redisPort: value('QUEUE_REDIS_PORT') };
}

export function stopQueueServices(services: QueueServices | undefined): void {
	if (!services) return;
	script('stop', services.dir);
	running.delete(services.dir);
}

/** The environment every process of the deployment shares. */
export function queueEnv(services: QueueServices): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(services.pgPort),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'n8n',
		DB_POSTGRESDB_PASSWORD: '',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(services.redisPort),
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '20',
		// Cron expressions (the benchmark schedules a run for a given second) read in UTC, as in `n8n start` of the bench.
		GENERIC_TIMEZONE: 'UTC',
	};
}

/** Rows of a query against n8n's database, as arrays of column texts. */
export function query(services: QueueServices, sql: string): string[][] {
	const result = spawnSync(
		PG_BIN ? join(PG_BIN, 'psql') : 'psql',
		[
			'-h',
			'127.0.0.1',
			'-p',
			String(services.pgPort),
			'-U',
			'n8n',
			'-d',
			'n8n',
			'-At',
			'-F',
			'\t',
			'-c',
			sql,
		],
		{
			encoding: 'utf8',
		},
	);
	if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
	return result.stdout
		.split('\n')
		.filter((line) => line !== '')
		.map((line) => line.split('\t'));
}

export interface Execution {
	id: string;
	workflowId: string;
	/** How it started: trigger (schedule, poll), webhook, … */
	mode: string;
	status: string;
	startedAt: number;
	stoppedAt: number | undefined;
}

export function executions(services: QueueServices): Execution[] {
	const rows = query(
		services,
		`select id, "workflowId", status, extract(epoch from "startedAt") * 1000, extract(epoch from "stoppedAt") * 1000, mode from execution_entity order by id`,
	);
	return rows.map(([id, workflowId, status, started, stopped, mode]) => ({
		id,
		workflowId,
		mode,
		status,
		startedAt: Number(started),
		stoppedAt: stopped ? Number(stopped) : undefined,
	}));
}

/** One main and `workers` workers, each with a user folder of its own. */
export class QueueDeployment {
	readonly main: N8n;
	readonly workers: N8n[];
	mainServer?: N8nServer;
	workerServers: N8nServer[] = [];
	/** Execution id → worker index, across restarts. */
	private readonly ranOn = new Map<string, number>();

	constructor(
		readonly services: QueueServices,
		caFile: string,
		workerCount: number,
		/** The main's port, the same across restarts (a workflow that calls its own webhook needs it); default: a free one per start. */
		readonly mainPort?: number,
	) {
		const env = queueEnv(services);
		this.main = N8n.forTest('queue-main', caFile, env);
		this.workers = Array.from({ length: workerCount }, (_, i) =>
			N8n.forTest(`queue-worker${i + 1}`, caFile, env),
		);
	}

	/**
	 * Workers first: an execution the main enqueues at activation finds one waiting. By default one job
	 * at a time per worker (n8n advises at least 5 in production): a run that overlaps a running one must
	 * go to the other worker, which is what the tests want to see. A run that waits for executions of its
	 * own (the partitioned template) needs 2.
	 */
	async start(options: { concurrency?: number } = {}): Promise<void> {
		this.workerServers = await Promise.all(
			this.workers.map(
				async (worker) => await worker.startWorker({ concurrency: options.concurrency ?? 1 }),
			),
		);
		this.mainServer = await this.main.start(
			this.mainPort === undefined ? {} : { port: this.mainPort },
		);
	}

	async stop(): Promise<void> {
		this.executedBy();
		await this.mainServer?.stop();
		await Promise.all(this.workerServers.map(async (worker) => await worker.stop()));
		this.mainServer = undefined;
		this.workerServers = [];
	}

	/** Which worker (index) logged starting each execution id. */
	executedBy(): Map<string, number> {
		this.workerServers.forEach((worker, index) => {
			for (const match of worker.output.matchAll(/Worker started execution (\d+)/g))
				this.ranOn.set(match[1], index);
		});
		return new Map(this.ranOn);
	}

	tail(lines = 40): string {
		const part = (name: string, output = '') =>
			`--- ${name} (tail) ---\n${output.split('\n').slice(-lines).join('\n')}`;
		return [
			part('main', this.mainServer?.output),
			...this.workerServers.map((w, i) => part(`worker ${i + 1}`, w.output)),
		].join('\n');
	}
}

/** The Header Auth credential the partitioned template's webhook and its caller share (README: Setup note). */
export const PARTITION_KEY: CredentialSpec = {
	id: 'partitionKey0001',
	name: 'Entra Sync partition key',
	type: 'httpHeaderAuth',
	data: { name: 'X-Entra-Sync-Key', value: 'e2e-partition-key-4f0c1d7a9b2e' },
};

/** The partitioned template as its Setup note says: the key on both ends, the webhook URL of this n8n's main. */
export function partitionsOnMain(workflow: Json, port: number): Json {
	for (const node of workflow.nodes as Json[]) {
		if (node.name === 'Partition request' || node.name === 'Sync each partition')
			node.credentials = { httpHeaderAuth: { id: PARTITION_KEY.id, name: PARTITION_KEY.name } };
		if (node.name === 'List partitions') {
			const code = node.parameters.jsCode as string;
			node.parameters.jsCode = code.replace('http://localhost:5678/', `http://127.0.0.1:${port}/`);
			if (node.parameters.jsCode === code)
				throw new Error('the partitioned template no longer sets webhookUrl as expected');
		}
	}
	return workflow;
}
