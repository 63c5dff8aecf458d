/**
 * Security review, the MessageMedia half of finding 6 (`.` and `..` ids collapse URL paths), plus how
 * the transport answers a redirect (never followed). (The MessageMedia half of finding 7, the pager's
 * spread of a page and its loop guard, is lib/messagemedia/paging.ts on main, the pager owner's.)
 * A loopback HTTP server stands in for the API.
 */
import { ConfigurationError, ServiceApiError } from '../../../lib/common/errors';
import {
	createMessageMediaClient,
	type HttpMessageMediaClient,
} from '../../../lib/messagemedia/client';
import { json, redirect, failure, serverPool, type HostileServer } from './servers';

const server = serverPool();

function client(baseUrl: string): HttpMessageMediaClient {
	return createMessageMediaClient(
		{
			apiKey: 'key-0042',
			apiSecret: 'secret-0042',
			authMethod: 'basic',
			region: 'custom',
			baseUrl,
		},
		{ retry: { maxAttempts: 1 } },
	);
}

describe('finding 6: . and .. ids collapse URL paths (MessageMedia)', () => {
	let api: HostileServer;
	beforeAll(async () => {
		api = await server((request, response) =>
			request.method === 'DELETE'
				? response.writeHead(204).end()
				: json(response, 200, { id: 'x', content: [] }),
		);
	});

	it.each(['.', '..', '%2e%2e', '%2E', ' .. ', ''])(
		'contact id %j: get, update and delete are refused before any request',
		async (id) => {
			const before = api.requests.length;
			const mm = client(api.url);
			expect(await failure(mm.getContact(id))).toBeInstanceOf(ConfigurationError);
			expect(await failure(mm.updateContact(id, { firstName: 'x' }))).toBeInstanceOf(
				ConfigurationError,
			);
			expect(await failure(mm.deleteContact(id))).toBeInstanceOf(ConfigurationError);
			expect(api.requests.length).toBe(before);
		},
	);

	it.each(['.', '..'])(
		'list id %j: membership changes are refused before any request',
		async (id) => {
			const before = api.requests.length;
			expect(
				await failure(
					client(api.url).modifyListMembers(id, { add: ['00000000-0000-4000-8000-000000000001'] }),
				),
			).toBeInstanceOf(ConfigurationError);
			expect(api.requests.length).toBe(before);
		},
	);

	it('deleteContact("..") never becomes DELETE /api/v1/contacts/', async () => {
		await failure(client(api.url).deleteContact('..'));
		expect(api.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
	});

	it('ordinary ids with dots inside still work', async () => {
		await client(api.url).deleteContact('a.b..c');
		expect(api.requests.at(-1)).toMatchObject({
			method: 'DELETE',
			url: '/api/v1/contacts/contacts/a.b..c',
		});
	});
});

describe('MessageMedia transport never follows a redirect', () => {
	it('a 307 fails as redirectRefused, naming the target origin; nothing reaches it', async () => {
		const elsewhere = await server((_request, response) =>
			json(response, 200, { content: [{ id: 'attacker' }] }),
		);
		const api = await server((request, response) =>
			redirect(response, 307, `${elsewhere.url}${request.url}`),
		);
		const error = await failure(
			client(api.url).createContact({ channels: [{ channelId: '+61412345678', type: 'SMS' }] }),
		);
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(error).toMatchObject({ status: 307, code: 'redirectRefused' });
		expect(error.message).toContain(`redirect to ${elsewhere.url}`);
		expect(elsewhere.requests).toEqual([]);
	});
});
