import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';

import { ConfigurationError, ServiceApiError } from '../../../lib/common/errors';
import { resolveEntraConfig } from '../../../lib/entra/config';
import { GraphTransport } from '../../../lib/entra/graph';
import {
	ISSUED_BEARER,
	GRAPH,
	SECRET,
	TENANT,
	config,
	fields,
	instantRetry,
	nockToken,
	page,
	useNockedEntra,
} from './helpers';

describe('Entra token acquisition (msal-node)', () => {
	useNockedEntra({ token: false });

	it('requests one token for two executions (two transports) and sends it as bearer', async () => {
		const token = nockToken();
		const graph = nock(GRAPH, { reqheaders: { authorization: `Bearer ${ISSUED_BEARER}` } })
			.get('/v1.0/users')
			.query(true)
			.times(2)
			.reply(200, page([{ id: '1' }]));

		// Two "executions": the credential is resolved and a transport built each time.
		await new GraphTransport(config(), { retryPolicy: instantRetry }).get('/users', {
			query: { $select: 'id' },
		});
		await new GraphTransport(config(), { retryPolicy: instantRetry }).get('/users', {
			query: { $select: 'id' },
		});

		expect(token.isDone()).toBe(true);
		expect(graph.isDone()).toBe(true);
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('a rotated secret gets its own token', async () => {
		nockToken();
		nockToken();
		nock(GRAPH).get('/v1.0/users').query(true).times(2).reply(200, page([]));
		await new GraphTransport(config(), { retryPolicy: instantRetry }).get('/users');
		await new GraphTransport(config({ clientSecret: 'another-secret-value' }), {
			retryPolicy: instantRetry,
		}).get('/users');
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('certificate auth sends client_assertion, never client_secret', async () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
		const thumbprint = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
		let body = '';
		nock('https://login.fake.test')
			.post(`/${TENANT}/oauth2/v2.0/token`, (b) => {
				body = new URLSearchParams(b as Record<string, string>).toString();
				return true;
			})
			.query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: ISSUED_BEARER });
		nock(GRAPH).get('/v1.0/users').query(true).reply(200, page([]));

		const cfg = config({
			authMethod: 'certificate',
			clientSecret: undefined,
			certificatePrivateKey: pem,
			certificateThumbprint: thumbprint,
		});
		await new GraphTransport(cfg, { retryPolicy: instantRetry }).get('/users');

		const form = new URLSearchParams(body);
		expect(form.get('client_assertion_type')).toBe(
			'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
		);
		expect(form.get('client_assertion')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
		expect(form.has('client_secret')).toBe(false);
		const header = JSON.parse(
			Buffer.from(form.get('client_assertion')!.split('.')[0], 'base64url').toString(),
		);
		expect(header.alg).toBe('RS256');
		expect(header.x5t).toBe(Buffer.from(thumbprint, 'hex').toString('base64url'));
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('a 64-hex thumbprint selects SHA-256 (PS256 + x5t#S256)', () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const cfg = config({
			authMethod: 'certificate',
			certificatePrivateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
			certificateThumbprint: 'ab'.repeat(32),
		});
		expect(cfg.credential).toMatchObject({
			kind: 'certificate',
			thumbprintSha256: 'AB'.repeat(32),
		});
		expect(() =>
			config({
				authMethod: 'certificate',
				certificatePrivateKey: 'x',
				certificateThumbprint: 'ab'.repeat(20),
			}),
		).toThrow(ConfigurationError);
	});

	it.each([
		['usGov', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
		['usGovDod', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
		['china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'],
		['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
	])('%s cloud uses its login and Graph hosts and scope', async (cloud, login, graphRoot) => {
		let scope = '';
		nock(login)
			.post(`/${TENANT}/oauth2/v2.0/token`, (b) => {
				scope = (b as Record<string, string>).scope;
				return true;
			})
			.query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: ISSUED_BEARER });
		nock(graphRoot, { reqheaders: { authorization: `Bearer ${ISSUED_BEARER}` } })
			.get('/v1.0/users')
			.query({ $top: '1' })
			.reply(200, page([]));
		const cfg = resolveEntraConfig({
			...fields(),
			cloud,
			authorityHost: undefined,
			graphBaseUrl: undefined,
		});
		await new GraphTransport(cfg, { retryPolicy: instantRetry }).get('/users', {
			query: { $top: 1 },
		});
		expect(scope.split(' ')).toContain(`${graphRoot}/.default`);
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('an http:// loopback authority works: msal validates the https spelling, the token goes over http', async () => {
		nock('http://127.0.0.1:18443')
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: ISSUED_BEARER });
		nock('http://127.0.0.1:18444', { reqheaders: { authorization: `Bearer ${ISSUED_BEARER}` } })
			.get('/v1.0/users')
			.reply(200, page([{ id: 'x' }]));
		const cfg = config({
			authorityHost: 'http://127.0.0.1:18443',
			graphBaseUrl: 'http://127.0.0.1:18444',
		});
		const body = await new GraphTransport(cfg, { retryPolicy: instantRetry }).get<{
			value: unknown[];
		}>('/users');
		expect(body.value).toEqual([{ id: 'x' }]);
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('refuses http:// for non-loopback hosts and multi-tenant aliases', () => {
		expect(() => config({ authorityHost: 'http://login.example.com' })).toThrow(/https/);
		expect(() => config({ graphBaseUrl: 'http://graph.example.com' })).toThrow(/https/);
		for (const alias of ['common', 'organizations', 'consumers']) {
			expect(() => config({ tenantId: alias })).toThrow(/specific tenant/);
		}
		expect(() => config({ tenantId: 'contoso.onmicrosoft.com' })).not.toThrow();
		expect(() => config({ tenantId: 'not a tenant' })).toThrow(ConfigurationError);
	});

	it('a Graph 401 InvalidAuthenticationToken forces one token refresh and retries', async () => {
		nockToken(undefined, undefined, 'stale-token-value-1');
		nockToken(undefined, undefined, 'fresh-token-value-2');
		nock(GRAPH, { reqheaders: { authorization: 'Bearer stale-token-value-1' } })
			.get('/v1.0/users')
			.reply(401, {
				error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' },
			});
		nock(GRAPH, { reqheaders: { authorization: 'Bearer fresh-token-value-2' } })
			.get('/v1.0/users')
			.reply(200, page([{ id: 'ok' }]));
		const graph = new GraphTransport(config(), { retryPolicy: instantRetry });
		await expect(graph.get('/users')).resolves.toMatchObject({ value: [{ id: 'ok' }] });
		expect(graph.counters).toMatchObject({ requests: 2, tokenRefreshes: 1 });
		expect(nock.pendingMocks()).toEqual([]);
	});

	it('maps token errors to ServiceApiError with the AADSTS code', async () => {
		nock('https://login.fake.test')
			.post(`/${TENANT}/oauth2/v2.0/token`)
			.query(true)
			.reply(401, {
				error: 'invalid_client',
				error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: x Correlation ID: y Timestamp: z`,
				error_codes: [7000215],
			});
		const error = (await new GraphTransport(config(), { retryPolicy: instantRetry })
			.get('/users')
			.catch((e: unknown) => e)) as ServiceApiError;
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(error).toMatchObject({ service: 'entra', code: 'AADSTS7000215' });
		expect(error.message).toMatch(/client secret is wrong/);
		expect(JSON.stringify(error.toJSON())).not.toContain(SECRET);
	});
});
