/**
 * A real n8n (the version pinned in package.json `config.n8n`) driven through its CLI, with our package installed the way n8n's
 * community-package installer lays it out (scripts/n8n-install-package.sh, run once by scripts/e2e.sh).
 *
 * One `N8n` = one user folder (its own SQLite database, encryption key, static data). Each CLI call
 * starts a fresh n8n process (3–6 s), so tests import once and execute several times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { e2eConfig, type E2eConfig } from './config';

export const ENCRYPTION_KEY = 'entra-sync-e2e-encryption-key';

/** Item JSON as n8n prints it in the IRun. */
export type Json = Record<string, any>;

export interface CredentialSpec {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface NodeRun {
	executionStatus?: string;
	error?: { message?: string; description?: string; name?: string };
	data?: { main?: Array<Array<{ json: Json }> | null> };
}

export interface ExecutionResult {
	/** Process exit code (1 when the workflow failed). */
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	/** The pinned n8n sometimes dies with SIGSEGV in an isolated-vm thread at exit, after printing the run. */
	crashedAfterOutput: boolean;
	stdout: string;
	stderr: string;
	durationMs: number;
	/** The IRun JSON n8n printed (on success and on a workflow error), if any. */
	run?: Json;
	status?: string;
	/** The workflow error (`data.resultData.error`), if the run failed. */
	error?: { message?: string; description?: string; node?: { name?: string } };
}

/** Items of one output of one node in a run (first run of the node); [] when the node did not run. */
export function nodeOutput(result: ExecutionResult, nodeName: string, output = 0): Json[] {
	const runs = result.run?.data?.resultData?.runData?.[nodeName] as NodeRun[] | undefined;
	const items = runs?.[0]?.data?.main?.[output] ?? [];
	return items.map((item) => item.json);
}

export function nodeRan(result: ExecutionResult, nodeName: string): boolean {
	return Boolean(result.run?.data?.resultData?.runData?.[nodeName]);
}

/** Everything a failure message needs to explain what n8n did. */
export function describeExecution(result: ExecutionResult): string {
	const error = result.error
		? `\nworkflow error: ${result.error.node?.name ?? ''}: ${result.error.message} ${result.error.description ?? ''}`
		: '';
	const tail = (text: string) => text.split('\n').slice(-40).join('\n');
	return `exit ${result.exitCode ?? result.signal}, status ${result.status}${error}\n--- stdout (tail) ---\n${tail(result.stdout)}\n--- stderr (tail) ---\n${tail(result.stderr)}`;
}

/** The IRun JSON in the CLI's stdout: pretty-printed, from a line "{" to the next line "}". */
export function parseRunJson(stdout: string): Json | undefined {
	const lines = stdout.split('\n');
	const start = lines.findIndex((line) => line === '{');
	if (start < 0) return undefined;
	const end = lines.findIndex((line, index) => index > start && line === '}');
	if (end < 0) return undefined;
	try {
		return JSON.parse(lines.slice(start, end + 1).join('\n')) as Json;
	} catch {
		return undefined;
	}
}

/** Rejects when something already listens on the port (a previous n8n still shutting down, say). */
export async function assertPortFree(port: number): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = createServer();
		server.once('error', () => reject(new Error(`port ${port} is in use`)));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

interface ProcessResult {
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	durationMs: number;
}

/** Kills a process started with `detached: true` and everything it spawned (its process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}

export interface N8nOptions {
	n8nBin: string;
	userFolder: string;
	/** CA of the fakes' TLS certificate (NODE_EXTRA_CA_CERTS). */
	caFile: string;
	/** Added to every process's environment (queue mode: database, Redis, EXECUTIONS_MODE). */
	env?: Record<string, string>;
}

export class N8n {
	readonly n8nBin: string;
	readonly userFolder: string;
	readonly caFile: string;
	readonly extraEnv: Record<string, string>;

	constructor(options: N8nOptions) {
		this.n8nBin = options.n8nBin;
		this.userFolder = options.userFolder;
		this.caFile = options.caFile;
		this.extraEnv = options.env ?? {};
	}

	/**
	 * For a test file: a fresh user folder, copied from the one scripts/e2e.sh prepared (package
	 * installed, database migrated), so every test file starts from an empty n8n with our package.
	 */
	static forTest(name: string, caFile: string, env?: Record<string, string>): N8n {
		const config: E2eConfig = e2eConfig();
		const userFolder = join(config.workDir, `n8n-${name}-${Date.now()}`);
		cpSync(config.baseUserFolder, userFolder, { recursive: true });
		return new N8n({ n8nBin: config.n8nBin, userFolder, caFile, env });
	}

	env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
		const env: NodeJS.ProcessEnv = {
			...process.env,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			DB_TYPE: 'sqlite',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_RUNNERS_ENABLED: 'true',
			NODE_EXTRA_CA_CERTS: this.caFile,
			// Our nodes must never reach a real host; the fakes are on loopback.
			NO_PROXY: '127.0.0.1,localhost',
			...this.extraEnv,
			...extra,
		};
		// jest sets NODE_ENV=test, which silences n8n's logger (and with it --rawOutput).
		delete env.NODE_ENV;
		delete env.JEST_WORKER_ID;
		delete env.N8N_LOG_LEVEL;
		return env;
	}

	private async run(
		args: string[],
		options: { timeoutMs?: number; env?: Record<string, string> } = {},
	): Promise<ProcessResult> {
		const started = Date.now();
		// The task broker listens on a port of its own; give each CLI process a free one.
		const brokerPort = String(await freePort());
		const child = spawn(this.n8nBin, args, {
			env: this.env({ N8N_RUNNERS_BROKER_PORT: brokerPort, ...options.env }),
			cwd: this.userFolder,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timeoutMs = options.timeoutMs ?? 180_000;
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child, 'SIGKILL');
		}, timeoutMs);
		const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
			(resolve) => child.once('close', (code, sig) => resolve([code, sig])),
		);
		clearTimeout(timer);
		// Task runners die with their parent; make sure nothing of this call outlives it.
		killGroup(child, 'SIGKILL');
		if (timedOut) stderr += `\n[e2e] n8n ${args.join(' ')} timed out after ${timeoutMs} ms`;
		return { exitCode, signal, stdout, stderr, durationMs: Date.now() - started };
	}

	private async runOrThrow(args: string[], expect: RegExp): Promise<ProcessResult> {
		const result = await this.run(args);
		if (result.exitCode !== 0 || !expect.test(result.stdout + result.stderr)) {
			throw new Error(
				`n8n ${args.join(' ')} failed (exit ${result.exitCode ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
			);
		}
		return result;
	}

	private writeJson(name: string, value: unknown): string {
		const dir = join(this.userFolder, 'e2e-input');
		mkdirSync(dir, { recursive: true });
		const file = join(dir, name);
		writeFileSync(file, JSON.stringify(value, null, 2));
		return file;
	}

	async importCredentials(credentials: CredentialSpec[]): Promise<void> {
		const file = this.writeJson(`credentials-${Date.now()}.json`, credentials);
		await this.runOrThrow(['import:credentials', `--input=${file}`], /Successfully imported/);
	}

	async importWorkflows(workflows: Json[]): Promise<void> {
		for (const workflow of workflows) {
			if (typeof workflow.id !== 'string' || workflow.id === '')
				throw new Error(`workflow "${workflow.name}" needs an explicit id`);
		}
		const file = this.writeJson(`workflows-${Date.now()}.json`, workflows);
		await this.runOrThrow(['import:workflow', `--input=${file}`], /Successfully imported/);
	}

	/** `n8n execute --id <id> --rawOutput`: the workflow must start at a Manual Trigger. */
	async execute(
		workflowId: string,
		options: { timeoutMs?: number } = {},
	): Promise<ExecutionResult> {
		const result = await this.run(['execute', `--id=${workflowId}`, '--rawOutput'], {
			timeoutMs: options.timeoutMs ?? 300_000,
		});
		const run = parseRunJson(result.stdout);
		const resultData = run?.data?.resultData;
		return {
			...result,
			crashedAfterOutput: run !== undefined && result.signal === 'SIGSEGV',
			run,
			status: run?.status,
			error: resultData?.error,
		};
	}

	/** 2.x activation: the published version is what `n8n start` runs. */
	async publish(workflowId: string): Promise<void> {
		await this.runOrThrow(
			['publish:workflow', `--id=${workflowId}`],
			/Changes will not take effect/,
		);
	}

	async unpublish(workflowId: string): Promise<void> {
		await this.runOrThrow(['unpublish:workflow', `--id=${workflowId}`], /unpublished successfully/);
	}

	/** `n8n start` in the background; resolves once the REST API answers (it comes up after /healthz). */
	async start(
		options: { port?: number; env?: Record<string, string>; logFile?: string } = {},
	): Promise<N8nServer> {
		const port = options.port ?? (await freePort());
		if (options.port !== undefined) await assertPortFree(port);
		const child = spawn(this.n8nBin, ['start'], {
			env: this.env({
				N8N_PORT: String(port),
				N8N_LISTEN_ADDRESS: '127.0.0.1',
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				...options.env,
			}),
			cwd: this.userFolder,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const server = new N8nServer(child, `http://127.0.0.1:${port}`);
		await server.waitUntilHealthy(120_000);
		return server;
	}

	/** `n8n worker` (queue mode) in the background; resolves once it says it is ready. */
	async startWorker(
		options: { concurrency?: number; env?: Record<string, string> } = {},
	): Promise<N8nServer> {
		const child = spawn(this.n8nBin, ['worker', `--concurrency=${options.concurrency ?? 5}`], {
			env: this.env({
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				QUEUE_HEALTH_CHECK_ACTIVE: 'false',
				...options.env,
			}),
			cwd: this.userFolder,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const worker = new N8nServer(child, '');
		await worker.waitForOutput(/n8n worker is now ready/, 120_000);
		return worker;
	}
}

export class N8nServer {
	output = '';
	private exited: Promise<void>;

	constructor(
		readonly child: ChildProcess,
		readonly url: string,
	) {
		child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		this.exited = new Promise((resolve) => child.once('close', () => resolve()));
	}

	get running(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!pattern.test(this.output)) {
			if (!this.running) throw new Error(`n8n exited early:\n${this.output}`);
			if (Date.now() > deadline)
				throw new Error(`no ${pattern} in the n8n output within ${timeoutMs} ms:\n${this.output}`);
			await new Promise((resolve) => setTimeout(resolve, 300));
		}
	}

	async waitUntilHealthy(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (!this.running) throw new Error(`n8n start exited early:\n${this.output}`);
			try {
				// /rest/settings answers before every controller is mounted; the banner comes last.
				const response = await fetch(`${this.url}/rest/settings`);
				if (response.ok && this.output.includes('Editor is now accessible')) return;
			} catch {
				// not listening yet
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		throw new Error(
			`n8n did not answer ${this.url}/rest/settings within ${timeoutMs} ms:\n${this.output}`,
		);
	}

	private cookie?: string;

	/**
	 * The REST API as the owner (n8n 2.x asks for an owner account on first use; later, and after a
	 * restart on the same user folder, the same account logs in). For what the CLI cannot do to a
	 * running n8n, e.g. deactivating a workflow so its trigger's webhook methods run.
	 */
	async rest<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
		const headers = { 'content-type': 'application/json', 'browser-id': 'entra-sync-e2e' };
		if (!this.cookie) {
			const owner = { email: 'e2e@entra-sync.example', password: 'E2e-owner-password-1' };
			let response = await fetch(`${this.url}/rest/owner/setup`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ ...owner, firstName: 'E2e', lastName: 'Owner' }),
			});
			if (!response.ok) {
				response = await fetch(`${this.url}/rest/login`, {
					method: 'POST',
					headers,
					body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
				});
			}
			const cookie = response.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
			if (!response.ok || !cookie)
				throw new Error(`n8n owner sign-in failed (${response.status}): ${await response.text()}`);
			this.cookie = cookie.split(';')[0];
		}
		const response = await fetch(`${this.url}${path}`, {
			method,
			headers: { ...headers, cookie: this.cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`n8n ${method} ${path} → ${response.status}: ${text}`);
		return (text ? ((JSON.parse(text) as { data?: T }).data ?? JSON.parse(text)) : undefined) as T;
	}

	/** SIGTERM (n8n shuts down gracefully), SIGKILL for the whole group if it takes too long. */
	async stop(): Promise<void> {
		if (!this.running) return;
		killGroup(this.child, 'SIGTERM');
		const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 20_000);
		await this.exited;
		clearTimeout(timer);
		killGroup(this.child, 'SIGKILL');
	}
}
