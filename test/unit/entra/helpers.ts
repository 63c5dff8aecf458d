import nock from 'nock';

import type { RetryPolicy } from '../../../lib/common/retry';
import { resolveEntraConfig } from '../../../lib/entra/config';
import type { EntraConfig, EntraCredentialFields } from '../../../lib/entra/config';
import { GraphTransport } from '../../../lib/entra/graph';
import { clearTokenCache } from '../../../lib/entra/token';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const SECRET = 'S3cr3t~Value.Never-Show-Me';
export const ISSUED_BEARER = 'issued.bearer-value.for-tests-0123456789';

export const LOGIN = 'https://login.fake.test';
export const GRAPH = 'https://graph.fake.test';

/** A custom-cloud credential pointing at nock hosts. */
export function fields(overrides: Partial<EntraCredentialFields> = {}): EntraCredentialFields {
	return {
		tenantId: TENANT,
		clientId: CLIENT_ID,
		authMethod: 'clientSecret',
		clientSecret: SECRET,
		cloud: 'custom',
		authorityHost: LOGIN,
		graphBaseUrl: GRAPH,
		...overrides,
	};
}

export function config(overrides: Partial<EntraCredentialFields> = {}): EntraConfig {
	return resolveEntraConfig(fields(overrides));
}

/** Token endpoint that answers `times` times with ISSUED_BEARER. */
export function nockToken(
	host = LOGIN,
	tenant = TENANT,
	token = ISSUED_BEARER,
	times = 1,
): nock.Scope {
	return nock(host).post(`/${tenant}/oauth2/v2.0/token`).query(true).times(times).reply(200, {
		token_type: 'Bearer',
		expires_in: 3599,
		ext_expires_in: 3599,
		access_token: token,
	});
}

/**
 * The set-up of every suite against nocked Entra ID and Graph: no real network, a token answer before
 * each test (unless `token: false`), and no interceptor or cached token left for the next test.
 */
export function useNockedEntra(options: { token?: boolean } = {}): void {
	beforeAll(() => nock.disableNetConnect());
	if (options.token !== false) beforeEach(() => void nockToken());
	afterEach(() => {
		nock.cleanAll();
		clearTokenCache();
	});
	afterAll(() => nock.enableNetConnect());
}

export const sleeps: number[] = [];
export const instantRetry: RetryPolicy = {
	maxAttempts: 4,
	baseDelayMs: 100,
	maxDelayMs: 60_000,
	random: () => 0.5,
	sleep: async (ms) => {
		sleeps.push(ms);
	},
};

export function transport(overrides: Partial<EntraCredentialFields> = {}): GraphTransport {
	return new GraphTransport(config(overrides), { retryPolicy: instantRetry });
}

/** Graph collection page. */
export function page(value: unknown[], extra: Record<string, string> = {}) {
	return { '@odata.context': `${GRAPH}/v1.0/$metadata#users`, value, ...extra };
}
