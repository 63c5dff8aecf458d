/**
 * MessageMedia over HTTP for sync tests through the real client: nock answers every contacts-API
 * request from an in-memory account (MemoryMessageMedia as the store), records what was sent, and can
 * inject faults — 429 with Retry-After, 5xx, an answer lost after the write committed, a slow answer.
 */

import nock from 'nock';

import { ServiceApiError } from '../../../lib/common/errors';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import type {
	ChannelType,
	ContactFilter,
	SubscriptionState,
} from '../../../lib/messagemedia/types';
import { validateRequest } from '../../support/openapi';
import { MemoryMessageMedia } from './memoryClient';

export const BASE = 'https://au.app.api.sinch.com';

export interface SentRequest {
	method: string;
	/** Path with query, as sent. */
	path: string;
	body: unknown;
}

export interface ServerFault {
	method: string;
	path: RegExp;
	status: number;
	/** Retry-After header value. */
	retryAfter?: string;
	/** Perform the request, then answer with the fault (the client never learns it succeeded); a 2xx status sends the real answer (late, with `delayMs`). */
	afterCommit?: boolean;
	/** Hold the answer this long (with a short client timeout: a timed-out request). */
	delayMs?: number;
}

type Reply = [number, unknown?, Record<string, string>?];

export class FakeMessageMedia {
	/** Requests since the last `newRun()`. */
	readonly requests: SentRequest[] = [];
	/** Every request this server answered. */
	readonly history: SentRequest[] = [];
	private readonly faults: ServerFault[] = [];

	constructor(readonly account = new MemoryMessageMedia()) {
		const scope = nock(BASE).persist();
		for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
			scope
				.intercept(/^\/api\/v1\/contacts\//, method)
				.query(true)
				.reply(
					async (uri, body) =>
						await this.handle(method, uri, body === '' ? undefined : (body as unknown)),
				);
		}
		scope
			.get(/^\/v1\/number_authorisation\/is_authorised\//)
			.reply(async (uri) => await this.handle('GET', uri, undefined));
		scope
			.post('/v1/number_authorisation/mt/blacklist')
			.reply(async (uri, body) => await this.handle('POST', uri, body as unknown));
	}

	/** A real client on this server; `sleeps` collects every backoff wait (nothing really waits). */
	client(sleeps: number[] = [], timeoutMs?: number) {
		return createMessageMediaClient(
			{ apiKey: 'key-1', apiSecret: 'secret-1', region: 'apac' },
			{ timeoutMs, retry: { sleep: async (ms) => void sleeps.push(ms) } },
		);
	}

	newRun(): void {
		this.requests.length = 0;
	}

	fail(...faults: ServerFault[]): void {
		this.faults.push(...faults);
	}

	writes(): SentRequest[] {
		return this.requests.filter((r) => r.method !== 'GET');
	}

	count(method: string, path: RegExp): number {
		return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
	}

	/** Every request answered, checked against the vendor OpenAPI: `METHOD path: error` lines. */
	async contractErrors(): Promise<string[]> {
		const errors: string[] = [];
		for (const r of this.history) {
			for (const error of (await validateRequest(r.method, r.path, r.body)).errors)
				errors.push(`${r.method} ${r.path}: ${error}`);
		}
		return errors;
	}

	/** Operation ids of every request answered (for coverage of the contract check). */
	async operations(): Promise<Set<string>> {
		const ids = new Set<string>();
		for (const r of this.history) {
			const { operationId } = await validateRequest(r.method, r.path, r.body);
			if (operationId) ids.add(operationId);
		}
		return ids;
	}

	private async handle(method: string, uri: string, body: unknown): Promise<Reply> {
		const sent = {
			method,
			path: uri,
			body: body === undefined ? undefined : structuredClone(body),
		};
		this.requests.push(sent);
		this.history.push(sent);
		const index = this.faults.findIndex((f) => f.method === method && f.path.test(uri));
		const fault = index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
		if (fault === undefined) return await this.route(method, new URL(uri, BASE), body);
		const reply = fault.afterCommit
			? await this.route(method, new URL(uri, BASE), body)
			: undefined;
		if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		// A 2xx "fault" is the real answer, only late.
		return reply && fault.status < 300 ? reply : this.faultReply(fault);
	}

	private faultReply(fault: ServerFault): Reply {
		const headers: Record<string, string> = fault.retryAfter
			? { 'Retry-After': fault.retryAfter }
			: {};
		return [
			fault.status,
			{
				uuid: '6a1b2c3d-0000-4000-8000-000000000000',
				type: 'internal_server_error',
				title: `HTTP ${fault.status}`,
				detail: 'injected',
			},
			headers,
		];
	}

	private async route(method: string, url: URL, body: unknown): Promise<Reply> {
		const a = this.account;
		const path = url.pathname;
		const q = url.searchParams;
		const page = <T>(all: T[]): Reply => {
			const size = Number(q.get('pageSize') ?? 1000);
			const offset = Number(q.get('nextPageToken') ?? 0);
			const content = all.slice(offset, offset + size);
			return [
				200,
				{
					content,
					totalElements: all.length,
					...(offset + size < all.length ? { nextPageToken: String(offset + size) } : {}),
				},
			];
		};
		try {
			let m: RegExpMatchArray | null;
			if (path === '/api/v1/contacts/contacts' && method === 'GET') {
				const filter: ContactFilter = {};
				if (q.has('listIds')) filter.listIds = q.getAll('listIds');
				if (q.has('contactIds')) filter.contactIds = q.getAll('contactIds');
				if (q.has('channelIds')) filter.channelIds = q.getAll('channelIds');
				if (q.has('channelTypes')) filter.channelTypes = q.getAll('channelTypes') as ChannelType[];
				if (q.has('channelSubscriptionState'))
					filter.channelSubscriptionState = q.get('channelSubscriptionState') as SubscriptionState;
				return page(await a.listContacts(filter));
			}
			if (path === '/api/v1/contacts/contacts' && method === 'POST')
				return [201, await a.createContact(body as never)];
			if ((m = path.match(/^\/api\/v1\/contacts\/contacts\/([^/]+)$/))) {
				if (method === 'GET') return [200, await a.getContact(m[1])];
				if (method === 'PATCH') return [200, await a.updateContact(m[1], body as never)];
				if (method === 'DELETE') {
					await a.deleteContact(m[1]);
					return [204];
				}
			}
			if (path === '/api/v1/contacts/lists' && method === 'GET')
				return page(await a.listLists({ name: q.get('name') ?? undefined }));
			if (path === '/api/v1/contacts/lists' && method === 'POST')
				return [201, await a.createList(body as { name: string })];
			if (
				(m = path.match(/^\/api\/v1\/contacts\/lists\/([^/]+)\/contacts$/)) &&
				method === 'PATCH'
			) {
				const change = body as { contactsToAddIds?: string[]; contactsToRemoveIds?: string[] };
				await a.modifyListMembers(m[1], {
					add: change.contactsToAddIds,
					remove: change.contactsToRemoveIds,
				});
				return [200, a.lists.get(m[1])];
			}
			if (path === '/api/v1/contacts/custom-fields' && method === 'GET') {
				return page(
					await a.listCustomFields({
						label: q.get('label') ?? undefined,
						mergeTag: q.get('mergeTag') ?? undefined,
					}),
				);
			}
			if (path === '/api/v1/contacts/custom-fields' && method === 'POST')
				return [201, await a.createCustomField(body as never)];
			if (path === '/v1/number_authorisation/mt/blacklist' && method === 'POST') {
				await a.addOptedOutNumbers((body as { numbers: string[] }).numbers);
				return [201, { numbers: (body as { numbers: string[] }).numbers }];
			}
			if (
				(m = path.match(/^\/v1\/number_authorisation\/is_authorised\/([^/]+)$/)) &&
				method === 'GET'
			) {
				const numbers = decodeURIComponent(m[1]).split(',');
				const optedOut = new Set(await a.findOptedOutNumbers(numbers));
				return [
					200,
					{
						uri: path,
						numbers: numbers.map((number) => ({ number, authorised: !optedOut.has(number) })),
					},
				];
			}
			return [
				404,
				{
					uuid: '6a1b2c3d-0000-4000-8000-000000000001',
					type: 'not_found',
					title: 'Not found',
					detail: `${method} ${path}`,
				},
			];
		} catch (error) {
			const status = error instanceof ServiceApiError ? error.status : 500;
			const type =
				error instanceof ServiceApiError ? (error.code ?? 'unknown') : 'internal_server_error';
			return [
				status,
				{
					uuid: '6a1b2c3d-0000-4000-8000-000000000002',
					type,
					title: (error as Error).message,
					detail: (error as Error).message,
				},
			];
		}
	}
}

/** The credential fields this server accepts, as the node's MessageMedia credential holds them. */
export const FAKE_CREDENTIALS = {
	apiKey: 'key-1',
	apiSecret: 'secret-1',
	authMethod: 'basic',
	region: 'apac',
};

/**
 * A new server before each test (handed to `use`); after it, every request it answered must have met
 * the vendor OpenAPI, and nock is reset.
 */
export function useFakeMessageMedia(use: (server: FakeMessageMedia) => void): void {
	let server: FakeMessageMedia;
	beforeEach(() => {
		server = new FakeMessageMedia();
		use(server);
	});
	afterEach(async () => {
		expect(await server.contractErrors()).toEqual([]);
		nock.cleanAll();
	});
}
