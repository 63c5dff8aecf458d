import { ConfidentialClientApplication } from '@azure/msal-node';
import { createHash, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

import type { RunningFakes } from '../../fakes/server';
import { call, clientSecretToken, startTrustedFakes } from './helpers';

const TENANT = '11111111-2222-4333-8444-555555555555';
const DOMAIN = 'fabrikam.onmicrosoft.com';
const CONFIDENTIAL_APP = 'aaaaaaaa-0000-4000-8000-000000000001';
const X509_APP = 'aaaaaaaa-0000-4000-8000-000000000002';
const UNCONSENTED_APP = 'aaaaaaaa-0000-4000-8000-000000000003';

let fakes: RunningFakes;
let appCert: { cert: string; private: string };
let otherCert: { cert: string; private: string };

function thumbprints(pem: string): { sha1: string; sha256: string } {
	const raw = new X509Certificate(pem).raw;
	return {
		sha1: createHash('sha1').update(raw).digest('hex'),
		sha256: createHash('sha256').update(raw).digest('hex'),
	};
}

function msalApp(
	clientId: string,
	credential: Record<string, unknown>,
	host = '127.0.0.1',
): ConfidentialClientApplication {
	return new ConfidentialClientApplication({
		auth: {
			clientId,
			authority: `https://${host}:${fakes.port}/${TENANT}`,
			knownAuthorities: [`${host}:${fakes.port}`],
			...credential,
		},
	});
}

beforeAll(async () => {
	appCert = await generate([{ name: 'commonName', value: 'entra-sync-test-app' }], {
		keySize: 2048,
		algorithm: 'sha256',
	});
	otherCert = await generate([{ name: 'commonName', value: 'not-registered' }], {
		keySize: 2048,
		algorithm: 'sha256',
	});
	fakes = await startTrustedFakes({
		seed: {
			tenants: [
				{
					id: TENANT,
					domains: [DOMAIN],
					apps: [
						{ clientId: CONFIDENTIAL_APP, secret: 's3cret' },
						{ clientId: X509_APP, certificatePem: appCert.cert },
						{ clientId: UNCONSENTED_APP, secret: 's3cret', consented: false },
					],
					users: [
						{
							id: 'bbbbbbbb-0000-4000-8000-000000000001',
							displayName: 'Ada',
							userPrincipalName: `ada@${DOMAIN}`,
						},
					],
				},
			],
		},
	});
});

afterAll(async () => {
	await fakes.close();
});

describe('Entra token endpoint with msal-node over HTTPS', () => {
	it('issues a token for a client secret (authority on 127.0.0.1 and on localhost)', async () => {
		for (const host of ['127.0.0.1', 'localhost']) {
			const result = await msalApp(
				CONFIDENTIAL_APP,
				{ clientSecret: 's3cret' },
				host,
			).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
			expect(result?.accessToken).toMatch(/^fake\./);
			expect(result?.tokenType).toBe('Bearer');
		}
		const metadataCalls = fakes.state.log.entries.filter((e) => e.service === 'metadata');
		expect(metadataCalls.map((e) => e.path)).toContain(
			`/${TENANT}/v2.0/.well-known/openid-configuration`,
		);
	});

	it('accepts a certificate assertion signed PS256 + x5t#S256 and RS256 + x5t (SHA-1)', async () => {
		const { sha1, sha256 } = thumbprints(appCert.cert);
		const ps256 = await msalApp(X509_APP, {
			clientCertificate: { thumbprintSha256: sha256, privateKey: appCert.private },
		}).acquireTokenByClientCredential({
			scopes: ['https://graph.microsoft.com/.default'],
		});
		expect(ps256?.accessToken).toMatch(/^fake\./);
		const rs256 = await msalApp(X509_APP, {
			clientCertificate: { thumbprint: sha1, privateKey: appCert.private },
		}).acquireTokenByClientCredential({
			scopes: ['https://graph.microsoft.com/.default'],
		});
		expect(rs256?.accessToken).toMatch(/^fake\./);
	});

	it('rejects an assertion signed with a certificate that is not registered (AADSTS700027)', async () => {
		const { sha256 } = thumbprints(otherCert.cert);
		await expect(
			msalApp(X509_APP, {
				clientCertificate: { thumbprintSha256: sha256, privateKey: otherCert.private },
			}).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
		).rejects.toMatchObject({
			errorCode: 'invalid_client',
			errorMessage: expect.stringContaining('AADSTS700027'),
		});
	});

	it('rejects an assertion whose signature does not match the registered certificate (registered thumbprint, other key)', async () => {
		const { sha256 } = thumbprints(appCert.cert);
		await expect(
			msalApp(X509_APP, {
				clientCertificate: { thumbprintSha256: sha256, privateKey: otherCert.private },
			}).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
		).rejects.toMatchObject({
			errorMessage: expect.stringContaining(
				'AADSTS700027: Client assertion failed signature validation',
			),
		});
	});

	it('answers with Entra OAuth errors: bad secret 401, unknown client 400, unknown tenant 400', async () => {
		const form = (tenant: string, clientId: string, secret: string) =>
			call(`${fakes.url}/${tenant}/oauth2/v2.0/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					grant_type: 'client_credentials',
					client_id: clientId,
					client_secret: secret,
					scope: 'https://graph.microsoft.com/.default',
				}).toString(),
			});
		const badSecret = await form(DOMAIN, CONFIDENTIAL_APP, 'wrong');
		expect(badSecret.status).toBe(401);
		expect(badSecret.json).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
		expect(badSecret.json.error_description).toMatch(/^AADSTS7000215: /);
		for (const key of ['timestamp', 'trace_id', 'correlation_id'])
			expect(badSecret.json[key]).toEqual(expect.any(String));
		expect(badSecret.text).not.toContain('wrong');

		const unknownClient = await form(TENANT, 'cccccccc-0000-4000-8000-000000000009', 's3cret');
		expect(unknownClient.status).toBe(400);
		expect(unknownClient.json).toMatchObject({
			error: 'unauthorized_client',
			error_codes: [700016],
		});

		const unknownTenant = await form('nowhere.onmicrosoft.com', CONFIDENTIAL_APP, 's3cret');
		expect(unknownTenant.status).toBe(400);
		expect(unknownTenant.json).toMatchObject({ error: 'invalid_request', error_codes: [90002] });

		const msalError = msalApp(CONFIDENTIAL_APP, {
			clientSecret: 'wrong',
		}).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
		await expect(msalError).rejects.toMatchObject({ errorCode: 'invalid_client' });
	});

	it('rejects a scope without /.default (client credentials rule)', async () => {
		const result = await call(`${fakes.url}/${TENANT}/oauth2/v2.0/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: CONFIDENTIAL_APP,
				client_secret: 's3cret',
				scope: 'User.Read.All',
			}).toString(),
		});
		expect(result.json).toMatchObject({ error: 'invalid_scope' });
	});

	it('issues tokens without admin consent, but Graph then answers 403 Authorization_RequestDenied', async () => {
		const token = await clientSecretToken(fakes, TENANT, UNCONSENTED_APP, 's3cret');
		const users = await call(`${fakes.url}/v1.0/users`, {
			headers: { Authorization: `Bearer ${token}` },
		});
		expect(users.status).toBe(403);
		expect(users.json.error.code).toBe('Authorization_RequestDenied');
		expect(users.headers.get('request-id')).toBe(users.json.error.innerError['request-id']);
	});

	it('tokens expire: by lifetime, after N requests, and through the admin API', async () => {
		fakes.state.updateConfig({ tokenLifetimeSeconds: 1 });
		const short = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		fakes.state.updateConfig({ tokenLifetimeSeconds: 3599 });
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${short}` },
				})
			).status,
		).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const expired = await call(`${fakes.url}/v1.0/organization`, {
			headers: { Authorization: `Bearer ${short}` },
		});
		expect(expired.status).toBe(401);
		expect(expired.json.error.code).toBe('InvalidAuthenticationToken');

		fakes.state.setFaults({ tokenInvalidateAfterRequests: 2 });
		const counted = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		const statuses: number[] = [];
		for (let i = 0; i < 3; i++)
			statuses.push(
				(
					await call(`${fakes.url}/v1.0/organization`, {
						headers: { Authorization: `Bearer ${counted}` },
					})
				).status,
			);
		expect(statuses).toEqual([200, 200, 401]);
		fakes.state.setFaults({});

		fakes.state.setFaults({ tokenInvalidateAt: new Date(Date.now() + 300).toISOString() });
		const timed = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${timed}` },
				})
			).status,
		).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 350));
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${timed}` },
				})
			).status,
		).toBe(401);
		const after = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${after}` },
				})
			).status,
		).toBe(200);
		fakes.state.setFaults({});

		const revoked = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		expect((await call(`${fakes.url}/_admin/expire-tokens`, { method: 'POST' })).status).toBe(200);
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${revoked}` },
				})
			).status,
		).toBe(401);
		const fresh = await clientSecretToken(fakes, TENANT, CONFIDENTIAL_APP, 's3cret');
		expect(
			(
				await call(`${fakes.url}/v1.0/organization`, {
					headers: { Authorization: `Bearer ${fresh}` },
				})
			).status,
		).toBe(200);
	});

	it('401 InvalidAuthenticationToken without or with an unknown bearer token', async () => {
		const missing = await call(`${fakes.url}/v1.0/users`);
		expect(missing.status).toBe(401);
		expect(missing.json.error).toMatchObject({
			code: 'InvalidAuthenticationToken',
			message: 'Access token is empty.',
		});
		const unknown = await call(`${fakes.url}/v1.0/users`, {
			headers: { Authorization: 'Bearer not-a-token' },
		});
		expect(unknown.status).toBe(401);
	});

	it('serves instance discovery and OpenID metadata pointing at itself', async () => {
		const discovery = await call(
			`${fakes.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${fakes.url}/${DOMAIN}/oauth2/v2.0/authorize`)}`,
		);
		expect(discovery.json.tenant_discovery_endpoint).toBe(
			`${fakes.url}/${DOMAIN}/v2.0/.well-known/openid-configuration`,
		);
		expect(discovery.json.metadata[0].aliases).toEqual(
			expect.arrayContaining([`127.0.0.1:${fakes.port}`, `localhost:${fakes.port}`]),
		);
		const metadata = await call(`${fakes.url}/${DOMAIN}/v2.0/.well-known/openid-configuration`);
		expect(metadata.json.token_endpoint).toBe(`${fakes.url}/${TENANT}/oauth2/v2.0/token`);
		expect(metadata.json.issuer).toBe(`${fakes.url}/${TENANT}/v2.0`);
	});
});
