/**
 * The local HTTPS fake services in one process on 127.0.0.1: Entra token endpoint + metadata, Microsoft
 * Graph (/v1.0) and MessageMedia Contacts (/api/v1/contacts), plus an admin API under /_admin/.
 *
 *   const fakes = await startFakes({ seed: generateSampleOrg() });
 *   fakes.url     // https://127.0.0.1:<port>
 *   fakes.caFile  // PEM of the CA that signed the server certificate (NODE_EXTRA_CA_CERTS)
 *   fakes.state   // in-process control: stores, faults, request log (same operations as /_admin/)
 *   await fakes.close();
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadSpec } from '../support/openapi';
import { DirectoryStore, type StoredUser, type Tenant } from './entra-state';
import { EntraTokenService, oauthError, TokenStore } from './entra-token';
import { FaultInjector, type FaultDecision } from './faults';
import { GraphService, graphError } from './graph';
import { handleSubscriptionAdmin, SubscriptionService } from './graph-subscriptions';
import { AdminError, handleAdmin } from './admin';
import { DEFAULT_LOG_CAPACITY, RequestLog } from './request-log';
import { queryToRecord, type FakeRequest, type FakeResponse } from './http-util';
import { blacklistForm, NUMBER_AUTHORISATION_PREFIX } from './messagemedia-blacklist';
import {
	MESSAGEMEDIA_PAGING_MODES,
	MessageMediaService,
	MessageMediaStore,
	PATCH_ARRAYS_MODES,
	type MessageMediaAccount,
	type MessageMediaPaging,
	type PatchArrays,
} from './messagemedia';
import { tlsMaterial } from './tls';
import type { FakeOptions, FakeSeed, FakeService, FaultConfig, SeedGroup, SeedUser } from './types';

export { DEFAULT_LOG_CAPACITY, RequestLog } from './request-log';

export interface RuntimeConfig {
	tokenLifetimeSeconds: number;
	deltaPageSize: number;
	deltaTokenMaxAgeSeconds: number;
	deltaExpiredResponse: 'syncStateNotFound' | 'gone';
	messageMediaDefaultPageSize: number;
	messageMediaMaxPageSize: number;
	messageMediaPaging: MessageMediaPaging;
	messageMediaPatchArrays: PatchArrays;
	hmacMaxSkewSeconds: number;
	/** MessageMedia requests per second per account; 0 = no limit. */
	messageMediaRateLimit: number;
	verbose: boolean;
	logCapacity: number;
}

/** Everything the fakes hold, with the operations the admin API exposes (usable in-process too). */
export class FakeState {
	readonly directory: DirectoryStore;
	readonly messagemedia: MessageMediaStore;
	readonly tokens = new TokenStore();
	readonly faults: FaultInjector;
	readonly log: RequestLog;
	/** Graph change notifications (subscriptions on users), fed by every directory change. */
	readonly subscriptions = new SubscriptionService();
	instanceId = randomUUID();

	constructor(
		seed: FakeSeed,
		faults: FaultConfig,
		readonly config: RuntimeConfig,
	) {
		this.directory = new DirectoryStore(seed.tenants ?? []);
		this.messagemedia = new MessageMediaStore(seed.messagemedia?.accounts ?? []);
		this.faults = new FaultInjector(faults);
		this.log = new RequestLog(config.logCapacity);
		this.directory.listeners.push((event) => this.subscriptions.onDirectoryChange(event));
	}

	snapshot(): FakeSeed {
		return {
			tenants: this.directory.snapshot(),
			messagemedia: { accounts: this.messagemedia.snapshot() },
		};
	}

	/** Replace all data; delta tokens issued before become unknown (expired). Access tokens stay valid. */
	load(seed: FakeSeed): void {
		this.directory.replace(seed.tenants ?? []);
		this.messagemedia.replace(seed.messagemedia?.accounts ?? []);
		this.instanceId = randomUUID();
	}

	tenant(tenantId?: string): Tenant {
		const tenant = tenantId ? this.directory.findTenant(tenantId) : this.directory.defaultTenant();
		if (!tenant) throw new AdminError(404, `tenant ${tenantId ?? '(default)'} not found`);
		return tenant;
	}

	createUser(user: SeedUser, tenantId?: string): Record<string, unknown> {
		const tenant = this.tenant(tenantId);
		const id = user.id?.toLowerCase();
		if (id && (tenant.users.has(id) || tenant.deletedUsers.has(id)))
			throw new AdminError(409, `user ${id} already exists`);
		return structuredClone(this.directory.createUser(tenant, user).data);
	}

	/** Change attributes (null removes one): a delta change, like a change made in Entra. */
	updateUser(
		id: string,
		changes: Record<string, unknown>,
		tenantId?: string,
	): Record<string, unknown> {
		const tenant = this.tenant(tenantId);
		const user = this.directory.findUser(tenant, id) as StoredUser | undefined;
		if (!user) throw new AdminError(404, `user ${id} not found`);
		this.directory.updateUser(tenant, user, changes);
		return structuredClone(user.data);
	}

	deleteUser(id: string, hard: boolean, tenantId?: string): void {
		const tenant = this.tenant(tenantId);
		const user = this.directory.findUser(tenant, id);
		if (!this.directory.deleteUser(tenant, user?.data.id ?? id, hard))
			throw new AdminError(404, `user ${id} not found`);
	}

	restoreUser(id: string, tenantId?: string): Record<string, unknown> {
		const user = this.directory.restoreUser(this.tenant(tenantId), id);
		if (!user) throw new AdminError(404, `deleted user ${id} not found`);
		return structuredClone(user.data);
	}

	createGroup(group: SeedGroup, tenantId?: string): Record<string, unknown> {
		return { ...this.directory.createGroup(this.tenant(tenantId), group) };
	}

	addGroupMembers(groupId: string, memberIds: string[], tenantId?: string): string[] {
		const group = this.tenant(tenantId).groups.get(groupId.toLowerCase());
		if (!group) throw new AdminError(404, `group ${groupId} not found`);
		for (const id of memberIds.map((m) => m.toLowerCase()))
			if (!group.members.includes(id)) group.members.push(id);
		return [...group.members];
	}

	removeGroupMember(groupId: string, memberId: string, tenantId?: string): string[] {
		const group = this.tenant(tenantId).groups.get(groupId.toLowerCase());
		if (!group) throw new AdminError(404, `group ${groupId} not found`);
		group.members = group.members.filter((m) => m !== memberId.toLowerCase());
		return [...group.members];
	}

	expireTokens(): void {
		this.tokens.revokeAll();
	}

	expireDeltaTokens(reason: 'expired' | 'resync' = 'expired', tenantId?: string): void {
		const tenants = tenantId ? [this.tenant(tenantId)] : [...this.directory.tenants.values()];
		for (const tenant of tenants) this.directory.expireDeltaTokens(tenant, reason);
	}

	setFaults(config: FaultConfig): void {
		this.faults.configure(config);
	}

	updateConfig(changes: Partial<RuntimeConfig>): RuntimeConfig {
		checkMessageMediaModes(changes);
		Object.assign(this.config, changes);
		return this.config;
	}

	/** The MessageMedia account with this API key (default: the first). */
	messagemediaAccount(apiKey?: string): MessageMediaAccount {
		const account =
			apiKey === undefined
				? [...this.messagemedia.accounts.values()][0]
				: this.messagemedia.accounts.get(apiKey);
		if (!account)
			throw new AdminError(404, `MessageMedia account ${apiKey ?? '(default)'} not found`);
		return account;
	}

	/** Numbers on an account's blacklist (opted out of SMS), sorted. */
	blacklist(apiKey?: string): string[] {
		return [...this.messagemediaAccount(apiKey).blacklist].sort();
	}

	/** Puts numbers on (or, with `remove`, takes them off) an account's blacklist, as an opt-out by SMS reply would. */
	setBlacklisted(numbers: string[], blacklisted: boolean, apiKey?: string): string[] {
		const account = this.messagemediaAccount(apiKey);
		const cleaned = numbers.map((number) => {
			const e164 =
				typeof number === 'string' && number.trim().startsWith('+')
					? blacklistForm(number)
					: undefined;
			if (e164 === undefined)
				throw new AdminError(400, `${JSON.stringify(number)} is not an E.164 number`);
			return e164;
		});
		for (const number of cleaned) {
			if (blacklisted) account.blacklist.add(number);
			else account.blacklist.delete(number);
		}
		return this.blacklist(apiKey);
	}

	messagemediaView(apiKey?: string): Array<Record<string, unknown>> {
		return this.messagemedia.view().filter((a) => apiKey === undefined || a.apiKey === apiKey);
	}
}

export interface RunningFakes {
	url: string;
	port: number;
	caFile: string;
	/** The CA certificate (PEM) for in-process clients. */
	ca: string;
	state: FakeState;
	close(): Promise<void>;
}

/** Rejects an unknown paging or PATCH reading (admin API and options). */
export function checkMessageMediaModes(
	changes: Partial<Pick<RuntimeConfig, 'messageMediaPaging' | 'messageMediaPatchArrays'>>,
): void {
	if (
		changes.messageMediaPaging !== undefined &&
		!MESSAGEMEDIA_PAGING_MODES.includes(changes.messageMediaPaging)
	) {
		throw new AdminError(
			400,
			`messageMediaPaging must be one of ${MESSAGEMEDIA_PAGING_MODES.join(', ')}`,
		);
	}
	if (
		changes.messageMediaPatchArrays !== undefined &&
		!PATCH_ARRAYS_MODES.includes(changes.messageMediaPatchArrays)
	) {
		throw new AdminError(
			400,
			`messageMediaPatchArrays must be one of ${PATCH_ARRAYS_MODES.join(', ')}`,
		);
	}
}

function classify(path: string): FakeService {
	if (path.startsWith('/_admin/') || path === '/_admin') return 'admin';
	if (path === '/v1.0' || path.startsWith('/v1.0/') || path.startsWith('/beta/')) return 'graph';
	if (path.startsWith('/api/') || path.startsWith(NUMBER_AUTHORISATION_PREFIX))
		return 'messagemedia';
	if (EntraTokenService.isTokenPath(path)) return 'token';
	if (EntraTokenService.isMetadataPath(path)) return 'metadata';
	return 'unknown';
}

function faultResponse(
	req: FakeRequest,
	service: FakeService,
	decision: Extract<FaultDecision, { kind: 'throttle' | 'error' }>,
): FakeResponse {
	const status = decision.kind === 'throttle' ? 429 : decision.status;
	const retryAfter: Record<string, string> =
		status === 429 || status === 503 ? { 'retry-after': String(decision.retryAfterSeconds) } : {};
	if (service === 'graph') {
		const code =
			status === 429
				? 'TooManyRequests'
				: status === 503
					? 'serviceNotAvailable'
					: status === 504
						? 'GatewayTimeout'
						: status === 502
							? 'BadGateway'
							: 'generalException';
		const message =
			status === 429
				? 'Too many requests.'
				: 'The service is temporarily unavailable. Please retry later.';
		return graphError(req, status, code, message, retryAfter);
	}
	if (service === 'token' || service === 'metadata') {
		const response = oauthError(
			req,
			status,
			'temporarily_unavailable',
			status === 429 ? 50196 : 90033,
			'The service is temporarily unavailable. Please retry later.',
		);
		return { ...response, headers: { ...response.headers, ...retryAfter } };
	}
	return { status, headers: retryAfter };
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

function send(res: ServerResponse, response: FakeResponse): void {
	const headers: Record<string, string> = { ...(response.headers ?? {}) };
	let payload: Buffer | undefined;
	if (response.body !== undefined) {
		if (Buffer.isBuffer(response.body)) payload = response.body;
		else if (typeof response.body === 'string') payload = Buffer.from(response.body, 'utf8');
		else payload = Buffer.from(JSON.stringify(response.body), 'utf8');
		headers['content-type'] = response.contentType ?? 'application/json; charset=utf-8';
		headers['content-length'] = String(payload.length);
	} else {
		headers['content-length'] = '0';
	}
	res.writeHead(response.status, headers);
	res.end(payload);
}

export async function startFakes(options: FakeOptions = {}): Promise<RunningFakes> {
	const config: RuntimeConfig = {
		tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
		deltaPageSize: options.deltaPageSize ?? 100,
		deltaTokenMaxAgeSeconds: options.deltaTokenMaxAgeSeconds ?? 7 * 24 * 3600,
		deltaExpiredResponse: options.deltaExpiredResponse ?? 'syncStateNotFound',
		messageMediaDefaultPageSize: options.messageMediaDefaultPageSize ?? 20,
		messageMediaMaxPageSize: options.messageMediaMaxPageSize ?? 1000,
		messageMediaPaging: options.messageMediaPaging ?? 'normal',
		messageMediaPatchArrays: options.messageMediaPatchArrays ?? 'replace',
		hmacMaxSkewSeconds: options.hmacMaxSkewSeconds ?? 300,
		messageMediaRateLimit: options.messageMediaRateLimit ?? 0,
		verbose: options.verbose ?? false,
		logCapacity: options.logCapacity ?? DEFAULT_LOG_CAPACITY,
	};
	// The fake MessageMedia validates every request and response against the vendor OpenAPI: without
	// it the fakes would answer 500 to everything, so they refuse to start instead.
	await loadSpec();
	const state = new FakeState(options.seed ?? {}, options.faults ?? {}, config);
	const tls = await tlsMaterial();
	const ownsStateDir = options.stateDir === undefined;
	const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'entra-sync-fakes-'));
	mkdirSync(stateDir, { recursive: true });
	const caFile = join(stateDir, 'ca.pem');
	writeFileSync(caFile, tls.caPem);

	let port = 0;
	const token = new EntraTokenService(
		state.directory,
		state.tokens,
		{ tokenLifetimeSeconds: () => config.tokenLifetimeSeconds },
		() => port,
	);
	const graph = new GraphService(state.directory, state.tokens, {
		deltaPageSize: () => config.deltaPageSize,
		deltaTokenMaxAgeSeconds: () => config.deltaTokenMaxAgeSeconds,
		deltaExpiredResponse: () => config.deltaExpiredResponse,
		faults: () => state.faults.current(),
		instanceId: () => state.instanceId,
	});
	checkMessageMediaModes(config);
	const messagemedia = new MessageMediaService(state.messagemedia, {
		defaultPageSize: () => config.messageMediaDefaultPageSize,
		maxPageSize: () => config.messageMediaMaxPageSize,
		paging: () => config.messageMediaPaging,
		patchArrays: () => config.messageMediaPatchArrays,
		hmacMaxSkewSeconds: () => config.hmacMaxSkewSeconds,
		rateLimit: () => config.messageMediaRateLimit,
	});

	const onRequest = async (incoming: IncomingMessage, res: ServerResponse): Promise<void> => {
		const started = performance.now();
		const body = await readBody(incoming);
		const host = incoming.headers.host ?? `127.0.0.1:${port}`;
		const url = new URL(incoming.url ?? '/', `https://${host}`);
		const req: FakeRequest = {
			method: (incoming.method ?? 'GET').toUpperCase(),
			url,
			path: url.pathname,
			query: url.searchParams,
			headers: incoming.headers,
			body,
			baseUrl: `https://${host}`,
			requestId: randomUUID(),
			log: { warnings: [], errors: [] },
		};
		const service = classify(req.path);
		if (service === 'admin') {
			send(
				res,
				(await handleSubscriptionAdmin(state.subscriptions, req, incoming.socket.remoteAddress)) ??
					handleAdmin(state, req, incoming.socket.remoteAddress),
			);
			return;
		}
		const decision = state.faults.decide(service, req.method, req.path);
		if (decision.latencyMs > 0) await sleep(decision.latencyMs);
		let response: FakeResponse;
		let fault: string | undefined = decision.latencyMs > 0 ? 'latency' : undefined;
		if (decision.kind === 'reset') {
			fault = 'reset';
			response = { status: 0, reset: true };
		} else if (decision.kind === 'throttle' || decision.kind === 'error') {
			fault = decision.kind;
			response = faultResponse(req, service, decision);
		} else {
			try {
				if (service === 'graph' && SubscriptionService.matches(req.path))
					response = await state.subscriptions.handle(req, graph.authorize(req));
				else if (service === 'graph') response = graph.handle(req);
				else if (service === 'messagemedia') response = await messagemedia.handle(req);
				else if (service === 'token' || service === 'metadata')
					response = token.handle(req) ?? { status: 404, body: { error: 'not found' } };
				else response = { status: 404, body: { error: `no fake service at ${req.path}` } };
			} catch (error) {
				const message = `FAKE BUG: ${req.method} ${req.path} threw ${(error as Error).stack ?? String(error)}`;
				console.error(message);
				req.log.errors.push(message);
				response = {
					status: 500,
					body: { error: 'fake failure', detail: (error as Error).message },
				};
			}
		}
		const entry = state.log.add({
			time: new Date().toISOString(),
			service,
			method: req.method,
			path: req.path,
			query: queryToRecord(req.query),
			status: response.status,
			durationMs: Math.round(performance.now() - started),
			...((req.log.fault ?? fault) ? { fault: req.log.fault ?? fault } : {}),
			...(req.log.auth ? { auth: req.log.auth } : {}),
			...(req.log.warnings.length > 0 ? { warnings: req.log.warnings } : {}),
			...(req.log.errors.length > 0 ? { errors: req.log.errors } : {}),
		});
		if (config.verbose) {
			console.error(
				`[fakes] ${entry.service} ${entry.method} ${entry.path} → ${entry.status}${fault ? ` (${fault})` : ''}${entry.warnings ? ` warnings: ${entry.warnings.join('; ')}` : ''}${entry.errors ? ` errors: ${entry.errors.join('; ')}` : ''}`,
			);
		}
		if (response.reset) {
			incoming.socket.destroy();
			return;
		}
		send(res, response);
	};

	const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (incoming, res) => {
		onRequest(incoming, res).catch((error: unknown) => {
			console.error('[fakes] request failed', error);
			if (!res.headersSent) send(res, { status: 500, body: { error: 'fake failure' } });
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	port = (server.address() as AddressInfo).port;
	const url = `https://127.0.0.1:${port}`;
	return {
		url,
		port,
		caFile,
		ca: tls.caPem,
		state,
		close: async () => {
			state.subscriptions.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
		},
	};
}
