/**
 * Security review, finding 3 (low–medium): the Basic header was not redacted, and finding 8 (low):
 * `*.localhost` counted as loopback for http://.
 */
import type { INode } from 'n8n-workflow';

import { ConfigurationError, ServiceApiError } from '../../../lib/common/errors';
import { assertSafeBaseUrl, isLoopbackHost, redact } from '../../../lib/common/redact';
import { resolveEntraConfig } from '../../../lib/entra/config';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import { resolveMessageMediaConnection } from '../../../lib/messagemedia/config';
import { errorItemJson, toNodeError } from '../../../nodes/helpers/errors';
import { echoGateway, startServer, type HostileServer } from './servers';

const API_KEY = 'GatewayEchoKey0042';
const API_SECRET = 'Gateway-Echo-Secret~0042';
const ENCODED = Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64');

const NODE: INode = {
	id: 'node-1',
	name: 'MessageMedia Contacts',
	type: 'n8n-nodes-entra-sync.messageMediaContacts',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** Everything a user or an operator could see of an error: its fields, the n8n error, the error item. */
function everythingShown(error: unknown): string {
	const nodeError = toNodeError(NODE, error, 0);
	return [
		JSON.stringify(error),
		(error as Error).message,
		JSON.stringify({
			...nodeError,
			message: nodeError.message,
			description: nodeError.description,
			stack: undefined,
		}),
		JSON.stringify(errorItemJson(error)),
	].join('\n');
}

function leaksIn(text: string): string[] {
	const secrets: Array<[string, string]> = [
		['API secret', API_SECRET],
		['API key', API_KEY],
		['Basic credential (base64 key:secret)', ENCODED],
		['Basic credential without padding', ENCODED.replace(/=+$/, '')],
	];
	return secrets.filter(([, secret]) => text.includes(secret)).map(([what]) => what);
}

describe('finding 3: Basic header not redacted', () => {
	let gateway: HostileServer;
	beforeAll(async () => {
		gateway = await startServer(echoGateway(400));
	});
	afterAll(async () => await gateway.close());

	it('a gateway error page that echoes the request puts no credential into the error, its description or the error item (Basic)', async () => {
		const client = createMessageMediaClient({
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			authMethod: 'basic',
			region: 'custom',
			baseUrl: gateway.url,
		});
		const error = await client.listLists().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ServiceApiError);
		// The gateway really did see (and echo) the credential.
		expect(gateway.requests.at(-1)?.headers.authorization).toBe(`Basic ${ENCODED}`);
		const shown = everythingShown(error);
		expect(shown).toContain('Gateway refused');
		expect(leaksIn(shown)).toEqual([]);
	});

	it('the same for an HMAC-signed request: no key, secret or signature', async () => {
		const client = createMessageMediaClient({
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			authMethod: 'hmac',
			region: 'custom',
			baseUrl: gateway.url,
		});
		const error = await client.listLists().catch((e: unknown) => e);
		const signature = /signature="([^"]+)"/.exec(
			String(gateway.requests.at(-1)?.headers.authorization),
		)?.[1];
		expect(signature).toBeDefined();
		const shown = everythingShown(error);
		expect(leaksIn(shown)).toEqual([]);
		expect(shown).not.toContain(signature);
	});

	it('redact() knows the Basic scheme, but leaves prose alone', () => {
		expect(redact(`Authorization: Basic ${ENCODED}`)).toBe('Authorization: Basic [redacted]');
		expect(redact(`authorization: basic ${ENCODED.replace(/=+$/, '')} next`)).toBe(
			'authorization: basic [redacted] next',
		);
		expect(redact('Basic authentication is disabled for this account')).toBe(
			'Basic authentication is disabled for this account',
		);
		expect(
			redact(
				'hmac username="k", algorithm="hmac-sha1", headers="date request-line", signature="c2lnbmF0dXJl"',
			),
		).not.toContain('c2lnbmF0dXJl');
	});

	it('a very long echoed page is cut, not carried whole into the message', async () => {
		const big = await startServer((_request, response) => {
			response
				.writeHead(400, { 'Content-Type': 'application/json' })
				.end(JSON.stringify({ title: 'x'.repeat(500_000) }));
		});
		try {
			const client = createMessageMediaClient({
				apiKey: API_KEY,
				apiSecret: API_SECRET,
				authMethod: 'basic',
				region: 'custom',
				baseUrl: big.url,
			});
			const error = (await client.listLists().catch((e: unknown) => e)) as Error;
			expect(error.message.length).toBeLessThan(2000);
		} finally {
			await big.close();
		}
	});
});

describe('finding 8: *.localhost counts as loopback for http://', () => {
	const REFUSED = [
		'http://evil.localhost',
		'http://a.b.localhost:8080',
		'http://localhost.:3000',
		'http://localhost.evil.example',
		'http://[::ffff:127.0.0.1]',
	];
	const ACCEPTED = [
		'http://localhost:3000',
		'http://127.0.0.1:8443',
		'http://127.255.255.254',
		'http://[::1]:8080',
	];

	it.each(REFUSED)('%s is refused for the Entra hosts and the MessageMedia base URL', (url) => {
		expect(isLoopbackHost(new URL(url).hostname)).toBe(false);
		expect(() => assertSafeBaseUrl(url, 'Base URL')).toThrow(/must use https/);
		const entra = {
			tenantId: 'contoso.onmicrosoft.com',
			clientId: '00000000-0000-4000-8000-000000000001',
			clientSecret: 's3cr3t',
			cloud: 'custom',
		};
		expect(() =>
			resolveEntraConfig({
				...entra,
				authorityHost: url,
				graphBaseUrl: 'https://graph.contoso.example',
			}),
		).toThrow(ConfigurationError);
		expect(() =>
			resolveEntraConfig({
				...entra,
				authorityHost: 'https://login.contoso.example',
				graphBaseUrl: url,
			}),
		).toThrow(ConfigurationError);
		expect(() =>
			resolveMessageMediaConnection({
				apiKey: 'k',
				apiSecret: 's',
				region: 'custom',
				baseUrl: url,
			}),
		).toThrow(ConfigurationError);
	});

	it.each(ACCEPTED)('%s is still accepted', (url) => {
		expect(isLoopbackHost(new URL(url).hostname)).toBe(true);
		expect(() =>
			resolveMessageMediaConnection({
				apiKey: 'k',
				apiSecret: 's',
				region: 'custom',
				baseUrl: url,
			}),
		).not.toThrow();
	});
});
