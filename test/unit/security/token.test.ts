/**
 * Security review, finding 2 (medium): msal re-posted the client secret on a redirect, and the token
 * request had no timeout. Local HTTPS token endpoints (the fakes' throw-away CA, trusted in-process)
 * answer with redirects, or never answer.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { generate } from 'selfsigned';

import { ServiceApiError } from '../../../lib/common/errors';
import { resolveEntraConfig, type EntraCredentialFields } from '../../../lib/entra/config';
import { EntraTokenProvider, buildMsalConfiguration } from '../../../lib/entra/token';
import { echoGateway, json, redirect, failure, serverPool, type HostileServer } from './servers';

const CLIENT_SECRET = 'Token~Redirect.Secret-0042';
const TENANT = 'contoso.onmicrosoft.com';

function fields(
	authorityHost: string,
	overrides: EntraCredentialFields = {},
): EntraCredentialFields {
	return {
		tenantId: TENANT,
		clientId: '00000000-0000-4000-8000-000000000001',
		clientSecret: CLIENT_SECRET,
		cloud: 'custom',
		authorityHost,
		graphBaseUrl: 'https://graph.contoso.example',
		...overrides,
	};
}

function provider(
	authorityHost: string,
	overrides: EntraCredentialFields = {},
	timeoutMs?: number,
): EntraTokenProvider {
	return new EntraTokenProvider(
		resolveEntraConfig(fields(authorityHost, overrides)),
		{ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
		{ timeoutMs },
	);
}

const server = serverPool();

describe('finding 2: msal re-posts the client secret on a redirect; the token request has no timeout', () => {
	let elsewhere: HostileServer;
	beforeAll(async () => {
		// Where a redirect points: plain http on another port (another origin), which would happily issue a token.
		elsewhere = await server((_request, response) =>
			json(response, 200, {
				token_type: 'Bearer',
				expires_in: 3599,
				access_token: 'stolen-flow-token',
			}),
		);
	});

	it.each([307, 308])(
		'a %i from the token endpoint to another origin (https → http) fails and re-posts nothing',
		async (status) => {
			const endpoint = await server(
				(request, response) => redirect(response, status, `${elsewhere.url}${request.url}`),
				{ https: true },
			);
			const before = elsewhere.requests.length;
			const error = await failure<ServiceApiError>(provider(endpoint.url).getToken());
			expect(error).toBeInstanceOf(ServiceApiError);
			expect(error).toMatchObject({ service: 'entra', code: 'redirect_refused' });
			expect(error.message).toContain(`redirect to ${elsewhere.url}`);
			expect(error.message).not.toContain(CLIENT_SECRET);
			expect(elsewhere.requests.length).toBe(before);
			// The endpoint itself got the one POST it was sent (a redirect is not retried).
			expect(endpoint.requests.map((request) => request.method)).toEqual(['POST']);
			expect(endpoint.requests[0].body).toContain('client_secret=');
		},
	);

	it('a certificate credential: the signed client assertion is not re-posted either', async () => {
		const certificate = await generate([{ name: 'commonName', value: 'entra-sync-redirect' }], {
			keySize: 2048,
			algorithm: 'sha256',
		});
		const thumbprint = createHash('sha1')
			.update(new X509Certificate(certificate.cert).raw)
			.digest('hex');
		const endpoint = await server(
			(request, response) => redirect(response, 307, `${elsewhere.url}/steal`),
			{ https: true },
		);
		const before = elsewhere.requests.length;
		const error = await failure<ServiceApiError>(
			provider(endpoint.url, {
				authMethod: 'certificate',
				clientSecret: undefined,
				certificatePrivateKey: certificate.private,
				certificateThumbprint: thumbprint,
			}).getToken(),
		);
		expect(error).toMatchObject({ code: 'redirect_refused' });
		expect(endpoint.requests[0].body).toContain('client_assertion=');
		expect(elsewhere.requests.length).toBe(before);
	});

	it('a token endpoint that never answers fails after the timeout (each attempt), not after ~300 s', async () => {
		const silent = await server(() => undefined, { https: true });
		const started = Date.now();
		const error = await failure<ServiceApiError>(provider(silent.url, {}, 300).getToken());
		expect(error).toMatchObject({ service: 'entra', code: 'network_error' });
		expect(error.message).toMatch(/no answer within/);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(silent.requests.length).toBe(2);
	}, 10_000);

	it('msal gets its own network module (every cloud, by default)', () => {
		const configuration = buildMsalConfiguration(
			resolveEntraConfig({ ...fields('https://login.contoso.example'), cloud: 'global' }),
		);
		expect(configuration.system?.networkClient).toBeDefined();
	});

	it('a well-behaved endpoint still issues a token', async () => {
		const endpoint = await server(
			(_request, response) =>
				json(response, 200, {
					token_type: 'Bearer',
					expires_in: 3599,
					access_token: 'good-token-value',
				}),
			{ https: true },
		);
		await expect(provider(endpoint.url).getToken()).resolves.toBe('good-token-value');
	});
});

describe('beyond the review: the token error code came from the response unredacted', () => {
	it.each([
		[
			'an object',
			(echoed: string) => ({ error: { code: 'Echo', message: echoed }, error_description: echoed }),
		],
		[
			'text',
			(echoed: string) => ({ error: `invalid_client ${echoed}`, error_description: echoed }),
		],
	])(
		'a token endpoint echoing the request in "error" (%s): no secret in code, message or hint',
		async (_what, body) => {
			const endpoint = await server(
				(request, response) =>
					json(response, 400, body(`${request.method} ${request.url}\n${request.body}`)),
				{ https: true },
			);
			const error = await failure<ServiceApiError>(provider(endpoint.url).getToken());
			expect(endpoint.requests[0].body).toContain(
				`client_secret=${encodeURIComponent(CLIENT_SECRET)}`,
			);
			expect(error).toBeInstanceOf(ServiceApiError);
			const shown = JSON.stringify({ ...error.toJSON(), message: error.message });
			expect(shown).not.toContain(CLIENT_SECRET);
			expect(shown).not.toContain(encodeURIComponent(CLIENT_SECRET));
			expect(typeof error.code === 'string' || error.code === undefined).toBe(true);
		},
	);

	it('error_codes echoing the secret do not become the AADSTS code', async () => {
		const endpoint = await server(
			(request, response) =>
				json(response, 400, {
					error: 'invalid_client',
					error_description: 'AADSTS7000215: bad secret.',
					error_codes: [request.body],
				}),
			{ https: true },
		);
		const error = await failure<ServiceApiError>(provider(endpoint.url).getToken());
		expect(JSON.stringify({ ...error.toJSON(), message: error.message })).not.toContain(
			CLIENT_SECRET,
		);
		expect(error.code).toBe('AADSTS7000215');
	});

	it('the gateway of the bad-input suite (every field echoed)', async () => {
		const endpoint = await server(echoGateway(400), { https: true });
		const error = await failure<ServiceApiError>(provider(endpoint.url).getToken());
		expect(JSON.stringify({ ...error.toJSON(), message: error.message })).not.toContain(
			CLIENT_SECRET,
		);
	});
});
