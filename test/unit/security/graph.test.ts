/**
 * Security review, Graph transport: finding 4 (cross-origin redirects followed), the Graph half of
 * finding 6 (`.` and `..` ids collapse URL paths), finding 7 (paging without loop or size guard) and
 * finding 9 (link check without a path boundary). Real loopback HTTPS servers stand in for Graph.
 */
import { ConfigurationError, ServiceApiError } from '../../../lib/common/errors';
import { resolveEntraConfig } from '../../../lib/entra/config';
import { readUserDelta } from '../../../lib/entra/delta';
import { GraphTransport } from '../../../lib/entra/graph';
import { getUser, listUsers, updateUser } from '../../../lib/entra/users';
import { json, redirect, failure, serverPool, type HostileServer } from './servers';

const TOKEN = 'graph-access-token-that-stays-home';

function transport(graphBaseUrl: string, options: { maxPages?: number } = {}): GraphTransport {
	const config = resolveEntraConfig({
		tenantId: 'contoso.onmicrosoft.com',
		clientId: '00000000-0000-4000-8000-000000000001',
		clientSecret: 'unused-secret',
		cloud: 'custom',
		authorityHost: 'https://login.contoso.example',
		graphBaseUrl,
	});
	return new GraphTransport(config, {
		tokens: { getToken: async () => TOKEN },
		retryPolicy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
		...options,
	});
}

const server = serverPool();

describe('finding 4: Graph transport follows cross-origin redirects', () => {
	let elsewhere: HostileServer;
	let graph: HostileServer;
	beforeAll(async () => {
		elsewhere = await server((request, response) =>
			json(response, 200, {
				id: 'attacker',
				displayName: 'Not from Graph',
				value: [{ id: 'attacker' }],
			}),
		);
		graph = await server(
			(request, response) => {
				const status =
					request.method === 'PATCH' ? 307 : request.url.includes('samepath') ? 302 : 307;
				const location = request.url.includes('samepath')
					? '/v1.0/users/someone-else'
					: `${elsewhere.url}${request.url}`;
				redirect(response, status, location);
			},
			{ https: true },
		);
	});

	it('a GET answered with a 307 to another origin fails, naming the redirect; nothing reaches the other origin', async () => {
		const error = await failure(getUser(transport(graph.url), 'ada@contoso.example', ['id']));
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(error).toMatchObject({ service: 'graph', status: 307, code: 'redirectRefused' });
		expect(error.message).toContain(`redirect to ${elsewhere.url}`);
		expect(error.message).toContain('never followed');
		expect(elsewhere.requests).toEqual([]);
	});

	it('a write-back PATCH answered with a 307 is not re-posted anywhere', async () => {
		const error = await failure(
			transport(graph.url).patch('/users/00000000-0000-4000-8000-0000000000aa', {
				mobilePhone: '+61412345678',
			}),
		);
		expect(error).toMatchObject({ status: 307, code: 'redirectRefused' });
		expect(elsewhere.requests).toEqual([]);
		expect(graph.requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);
	});

	it('a same-origin redirect is refused too (Graph itself never redirects API calls)', async () => {
		const before = graph.requests.length;
		const error = await failure(transport(graph.url).get('/users/samepath'));
		expect(error).toMatchObject({ status: 302, code: 'redirectRefused' });
		expect(graph.requests.length).toBe(before + 1);
	});
});

describe('finding 6: . and .. ids collapse URL paths (Graph)', () => {
	let graph: HostileServer;
	beforeAll(async () => {
		graph = await server(
			(request, response) => {
				if (request.url.startsWith('/v1.0/users/bad-id-source'))
					return json(response, 200, { id: '..', onPremisesSyncEnabled: false });
				json(response, 200, { value: [{ id: 'everyone' }], id: 'root' });
			},
			{ https: true },
		);
	});

	it.each(['.', '..', ' .. '])('user id %j is refused before any request', async (id) => {
		const before = graph.requests.length;
		const graphTransport = transport(graph.url);
		expect(await failure(getUser(graphTransport, id, ['id']))).toBeInstanceOf(ConfigurationError);
		expect(await failure(updateUser(graphTransport, id, { jobTitle: 'x' }))).toBeInstanceOf(
			ConfigurationError,
		);
		expect(graph.requests.length).toBe(before);
	});

	it('an id ".." that came back from the server is not PATCHed to the service root', async () => {
		const error = await failure(
			updateUser(transport(graph.url), 'bad-id-source', { jobTitle: 'x' }),
		);
		expect(error).toBeInstanceOf(ConfigurationError);
		expect(graph.requests.filter((request) => request.method === 'PATCH')).toEqual([]);
	});

	it.each(['/users/%2e%2e', '/users/%2E', '/groups/./members', '/users/../groups'])(
		'the transport refuses the path %s',
		async (path) => {
			const before = graph.requests.length;
			expect(await failure(transport(graph.url).get(path))).toBeInstanceOf(ConfigurationError);
			expect(graph.requests.length).toBe(before);
		},
	);
});

describe('finding 7: Graph paging without loop or size guard', () => {
	it('the same @odata.nextLink twice stops the read with an error (it was followed 300 times)', async () => {
		// (It gives up after 30 pages itself, so the unguarded code ends too.)
		const looping = await server(
			(request, response) =>
				json(response, 200, {
					value: [{ id: 'u' }],
					...(looping.requests.length < 30
						? { '@odata.nextLink': `${looping.url}/v1.0/users?$skiptoken=same` }
						: {}),
				}),
			{ https: true },
		);
		const error = await failure(listUsers(transport(looping.url), { select: ['id'] }));
		expect(error).toMatchObject({ service: 'graph', code: 'pagingLoop' });
		expect(looping.requests.length).toBeLessThanOrEqual(3);
	});

	it('a server that hands out new next links for ever is stopped at the page cap', async () => {
		const endless = await server(
			(request, response) =>
				json(response, 200, {
					value: [],
					...(endless.requests.length < 200
						? {
								'@odata.nextLink': `${endless.url}/v1.0/users?$skiptoken=${endless.requests.length}`,
							}
						: {}),
				}),
			{ https: true },
		);
		const error = await failure(
			listUsers(transport(endless.url, { maxPages: 50 }), { select: ['id'] }),
		);
		expect(error).toMatchObject({ code: 'tooManyPages' });
		expect(endless.requests.length).toBe(50);
	});

	it('the default page cap is finite', () => {
		expect(transport('https://graph.contoso.example').maxPages).toBeLessThanOrEqual(100_000);
	});

	it('a 300,000-item page is read without overflowing the stack', async () => {
		const items = Array.from({ length: 300_000 }, (_, i) => ({ id: String(i) }));
		const huge = await server(
			(request, response) =>
				json(response, 200, {
					value: items,
					'@odata.deltaLink': `${huge.url}/v1.0/users/delta?$deltatoken=x`,
				}),
			{ https: true },
		);
		const result = await readUserDelta(transport(huge.url), { select: ['id'] });
		expect(result.users).toHaveLength(300_000);
	});

	it('a page whose value is not a list is an error, not a list of characters', async () => {
		const odd = await server((request, response) => json(response, 200, { value: 'abc' }), {
			https: true,
		});
		expect(await failure(listUsers(transport(odd.url), { select: ['id'] }))).toMatchObject({
			code: 'invalidPage',
		});
	});
});

describe('finding 9: Graph link check without a path boundary', () => {
	it('with base https://proxy/graph, links under /graph-admin/ are refused; links under /graph/ are accepted', () => {
		const graph = transport('https://proxy.contoso.example/graph');
		expect(() =>
			graph.assertGraphUrl('https://proxy.contoso.example/graph-admin/v1.0/users'),
		).toThrow(ConfigurationError);
		expect(() => graph.assertGraphUrl('https://proxy.contoso.example/graphx')).toThrow(
			ConfigurationError,
		);
		expect(() =>
			graph.assertGraphUrl('https://proxy.contoso.example/graph/../admin/v1.0/users'),
		).toThrow(ConfigurationError);
		expect(() =>
			graph.assertGraphUrl('https://proxy.contoso.example/graph/v1.0/users%2f..%2f..%2fadmin'),
		).toThrow(ConfigurationError);
		expect(() =>
			graph.assertGraphUrl('https://proxy.contoso.example/graph/v1.0/users?$skiptoken=a'),
		).not.toThrow();
		expect(() => graph.assertGraphUrl('https://proxy.contoso.example/graph')).not.toThrow();
	});

	it('a delta link under a sibling path is refused before the token is sent', async () => {
		const proxy = await server((request, response) => json(response, 200, { value: [] }), {
			https: true,
		});
		const error = await failure(
			readUserDelta(transport(`${proxy.url}/graph`), {
				select: ['id'],
				deltaLink: `${proxy.url}/graph-admin/v1.0/users/delta?$deltatoken=x`,
			}),
		);
		expect(error).toBeInstanceOf(ConfigurationError);
		expect(proxy.requests).toEqual([]);
	});
});
