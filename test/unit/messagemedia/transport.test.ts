import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ServiceApiError } from '../../../lib/common/errors';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import { MessageMediaTransport } from '../../../lib/messagemedia/transport';
import {
	checkRecordedRequests,
	contact,
	list,
	recordedScope,
	type RecordedRequest,
} from './helpers';

const MARKER = 'marker-value-that-must-not-leak';

function setup(baseUrl?: string) {
	const sleep = jest.fn<Promise<void>, [number]>(async () => undefined);
	const client = createMessageMediaClient(
		baseUrl === undefined
			? { apiKey: 'key-1', apiSecret: MARKER, authMethod: 'basic', region: 'apac' }
			: { apiKey: 'key-1', apiSecret: MARKER, authMethod: 'basic', region: 'custom', baseUrl },
		{ retry: { sleep, random: () => 0.5, baseDelayMs: 1000 } },
	);
	return { client, sleep };
}

/**
 * A real loopback server whose n-th request gets `answers[n]`: `'reset'` drops the connection (the
 * client sees ECONNRESET, as from a real network), `'hang'` never answers (until `close()`), an object
 * is sent as JSON with status 200.
 */
async function serverAnswering(
	answers: Array<'reset' | 'hang' | object>,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
	const requests: string[] = [];
	const server = http.createServer((req, res) => {
		requests.push(`${req.method} ${req.url}`);
		req.resume();
		const answer = answers[requests.length - 1] ?? 'reset';
		if (answer === 'hang') return;
		if (answer === 'reset') {
			req.socket.destroy();
			return;
		}
		res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
	});
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise((done) => server.close(done));
		},
	};
}

describe('MessageMedia transport retries and error mapping', () => {
	const requests: RecordedRequest[] = [];
	afterEach(async () => await checkRecordedRequests(requests));

	it('GET: waits for Retry-After on 429, then succeeds', async () => {
		const { client, sleep } = setup();
		const found = contact();
		recordedScope(requests)
			.get(`/api/v1/contacts/contacts/${found.id}`)
			.reply(429, '', { 'Retry-After': '7' })
			.get(`/api/v1/contacts/contacts/${found.id}`)
			.reply(200, found);

		await expect(client.getContact(found.id)).resolves.toEqual(found);
		// Two waits side by side: the retry's, and the pause of every other request (adaptive.ts)
		expect(sleep.mock.calls).toEqual([[7000], [7000]]);
		expect(client.flow.report()).toMatchObject({ throttled: 1 });
		expect(client.stats).toEqual({ total: 2, byMethod: { GET: 2 }, retries: 1 });
	});

	it('GET: 503 then success, with backoff', async () => {
		const { client, sleep } = setup();
		recordedScope(requests)
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(503)
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(200, { content: [list()], totalElements: 1 });

		await expect(client.listLists()).resolves.toHaveLength(1);
		// first retry: ceiling = base 1000 ms; full jitter with random 0.5 → 500 + 250
		expect(sleep).toHaveBeenCalledWith(750);
	});

	it('PATCH: 429 with Retry-After and 503, then success', async () => {
		const { client, sleep } = setup();
		const id = contact().id;
		recordedScope(requests)
			.patch(`/api/v1/contacts/contacts/${id}`)
			.reply(429, '', { 'Retry-After': '2' })
			.patch(`/api/v1/contacts/contacts/${id}`)
			.reply(503)
			.patch(`/api/v1/contacts/contacts/${id}`)
			.reply(200, contact({ id, firstName: 'Grace' }));

		await expect(client.updateContact(id, { firstName: 'Grace' })).resolves.toMatchObject({
			firstName: 'Grace',
		});
		// the 429's Retry-After pauses every request and is this request's wait; the 503 backs off
		expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([2000, 2000, 1500]);
		expect(requests.map((r) => r.body)).toEqual([
			{ firstName: 'Grace' },
			{ firstName: 'Grace' },
			{ firstName: 'Grace' },
		]);
		expect(client.stats.byMethod).toEqual({ PATCH: 3 });
		expect(client.stats.retries).toBe(2);
	});

	it('PATCH: retries a network error', async () => {
		const listId = list().id;
		const server = await serverAnswering(['reset', list({ id: listId })]);
		try {
			const { client } = setup(server.url);
			await client.modifyListMembers(listId, { add: [contact().id] });
			expect(client.stats.retries).toBe(1);
			expect(server.requests).toEqual([
				`PATCH /api/v1/contacts/lists/${listId}/contacts`,
				`PATCH /api/v1/contacts/lists/${listId}/contacts`,
			]);
		} finally {
			await server.close();
		}
	});

	it('POST is not retried: a 503 on create surfaces at once', async () => {
		const { client, sleep } = setup();
		recordedScope(requests).post('/api/v1/contacts/contacts').reply(503);

		const error = await client
			.createContact({ channels: [{ channelId: '+61491570156', type: 'SMS' }] })
			.catch((e) => e);
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(error.status).toBe(503);
		expect(sleep).not.toHaveBeenCalled();
		expect(client.stats).toEqual({ total: 1, byMethod: { POST: 1 }, retries: 0 });
	});

	it('POST is not retried on a network error either', async () => {
		const server = await serverAnswering(['reset', list()]);
		try {
			const { client } = setup(server.url);
			const error = await client.createList({ name: 'Sales' }).catch((e) => e);
			expect(error).toMatchObject({ service: 'messagemedia', status: 0, code: 'network' });
			expect(error.message).toContain(`Could not reach MessageMedia at ${server.url}: ECONNRESET`);
			expect(client.stats.total).toBe(1);
			expect(server.requests).toEqual(['POST /api/v1/contacts/lists']);
		} finally {
			await server.close();
		}
	});

	it('400 InvalidInputApiError → ServiceApiError with code, request id and the invalid fields in the message', async () => {
		const { client } = setup();
		const invalidFields = [
			{
				name: 'channels[0].channelId',
				code: 'invalid_format',
				reason: 'must be an E.164 number',
				channelType: 'PHONE',
			},
			{ name: 'dateOfBirth', code: 'invalid_format', reason: 'must be YYYY-MM-DD' },
		];
		recordedScope(requests).post('/api/v1/contacts/contacts').reply(400, {
			uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
			type: 'validation',
			title: 'Bad request',
			detail: 'Request has incorrect values',
			invalidFields,
		});

		const error: ServiceApiError = await client
			.createContact({ channels: [{ channelId: '+61491570156', type: 'SMS' }] })
			.catch((e) => e);
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(error.status).toBe(400);
		expect(error.code).toBe('validation');
		expect(error.requestId).toBe('9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a');
		expect(error.message).toBe(
			'Bad request: Request has incorrect values (invalid fields: channels[0].channelId: must be an E.164 number; dateOfBirth: must be YYYY-MM-DD)',
		);
		expect(error.details).toEqual({ invalidFields });
	});

	it('404 ApiError keeps title and detail; 401 says the key was rejected and never echoes the secret', async () => {
		const { client } = setup();
		recordedScope(requests)
			.get('/api/v1/contacts/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6')
			.reply(404, {
				uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				type: 'not_found',
				title: 'Not found',
				detail: 'Contact not found',
			})
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(401, `{"message":"bad credentials ${MARKER}"}`);

		await expect(client.getContact('3fa85f64-5717-4562-b3fc-2c963f66afa6')).rejects.toMatchObject({
			status: 404,
			code: 'not_found',
			message: 'Not found: Contact not found',
		});
		const error: ServiceApiError = await client.listLists().catch((e) => e);
		expect(error.status).toBe(401);
		expect(error.message).toContain(
			'MessageMedia rejected the API key/secret (check key, secret, auth method and region)',
		);
		expect(JSON.stringify(error.toJSON())).not.toContain(MARKER);
	});

	it('DELETE: 503 then 404 counts as deleted; a first-attempt 404 is an error', async () => {
		const { client } = setup();
		const id = contact().id;
		recordedScope(requests)
			.delete(`/api/v1/contacts/contacts/${id}`)
			.reply(503)
			.delete(`/api/v1/contacts/contacts/${id}`)
			.reply(404, {
				uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				type: 'not_found',
				title: 'Not found',
				detail: 'gone',
			})
			.delete(`/api/v1/contacts/contacts/${id}`)
			.reply(404, {
				uuid: '9b3a4c1e-8f7d-4c5b-9a2e-1d3f5b7c9e0a',
				type: 'not_found',
				title: 'Not found',
				detail: 'gone',
			});

		await expect(client.deleteContact(id)).resolves.toBeUndefined();
		await expect(client.deleteContact(id)).rejects.toMatchObject({ status: 404 });
	});

	it('times out a hung request', async () => {
		const server = await serverAnswering(['hang']);
		try {
			const transport = new MessageMediaTransport(
				{ baseUrl: server.url, apiKey: 'k', apiSecret: MARKER, authMethod: 'basic' },
				{ timeoutMs: 50, retry: { maxAttempts: 1 } },
			);
			await expect(
				transport.request({ method: 'GET', path: '/api/v1/contacts/lists' }),
			).rejects.toMatchObject({
				status: 0,
				code: 'timeout',
			});
			expect(server.requests).toEqual(['GET /api/v1/contacts/lists']);
		} finally {
			await server.close();
		}
	});
});
