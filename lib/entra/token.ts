/**
 * App-only access tokens for Microsoft Graph via msal-node's client credentials flow.
 *
 * One ConfidentialClientApplication per (hosts, tenant, client id, credential hash) lives in a
 * module-level map, so msal's in-memory token cache serves every item and every execution in this
 * process (msal renews a token 5 minutes before it expires). Nothing here survives a restart, and
 * nothing needs to: a missing cache only costs one token request.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { AuthenticationResult, Configuration } from '@azure/msal-node';
import { createHash } from 'node:crypto';

import { ServiceApiError } from '../common/errors';
import { redact } from '../common/redact';
import { withRetry } from '../common/retry';
import type { RetryPolicy } from '../common/retry';
import { credentialSecrets } from './config';
import type { EntraConfig } from './config';
import { DEFAULT_TOKEN_TIMEOUT_MS, REDIRECT_REFUSED, TokenNetworkClient } from './token-network';

/** What the Graph transport needs from a token source. */
export interface AccessTokenSource {
	/** A valid access token; `forceRefresh` skips the cache (after Graph said the token is invalid). */
	getToken(forceRefresh?: boolean): Promise<string>;
}

const MAX_APPS = 50;
const apps = new Map<string, EntraTokenProvider>();

/** The cached provider for this configuration (created on first use). */
export function getTokenProvider(config: EntraConfig): EntraTokenProvider {
	const key = cacheKey(config);
	let provider = apps.get(key);
	if (!provider) {
		if (apps.size >= MAX_APPS) apps.delete(apps.keys().next().value as string);
		provider = new EntraTokenProvider(config);
		apps.set(key, provider);
	}
	return provider;
}

/** Drops every cached application and token (tests; a credential rotation needs nothing: its hash differs). */
export function clearTokenCache(): void {
	apps.clear();
}

function cacheKey(config: EntraConfig): string {
	const c = config.credential;
	const material =
		c.kind === 'secret'
			? `secret:${c.secret}`
			: `cert:${c.thumbprint ?? ''}:${c.thumbprintSha256 ?? ''}:${c.privateKey}`;
	return [
		config.authorityHost,
		config.graphRoot,
		config.tenantId.toLowerCase(),
		config.clientId.toLowerCase(),
		createHash('sha256').update(material).digest('hex'),
	].join('|');
}

/**
 * msal-node accepts only an https authority and, for hosts it does not know, would ask
 * login.microsoftonline.com for instance discovery. We therefore always hand it the metadata
 * ourselves (knownAuthorities + cloud discovery + endpoint metadata), for every cloud: msal makes
 * exactly one call, the POST to the token endpoint. For a loopback `http://` authority (a local
 * fake), msal gets the https spelling of the authority — which it validates but never contacts —
 * and the real http token endpoint in the metadata.
 */
export function buildMsalConfiguration(
	config: EntraConfig,
	options: TokenProviderOptions = {},
): Configuration {
	const origin = new URL(config.authorityHost);
	const host = origin.host;
	const httpsAuthority = `https://${host}/${config.tenantId}`;
	const tokenEndpoint = `${origin.origin}/${config.tenantId}/oauth2/v2.0/token`;
	const c = config.credential;
	return {
		auth: {
			clientId: config.clientId,
			authority: httpsAuthority,
			...(c.kind === 'secret'
				? { clientSecret: c.secret }
				: {
						clientCertificate: {
							privateKey: c.privateKey,
							...(c.thumbprintSha256
								? { thumbprintSha256: c.thumbprintSha256 }
								: { thumbprint: c.thumbprint }),
						},
					}),
			knownAuthorities: [host],
			cloudDiscoveryMetadata: JSON.stringify({
				tenant_discovery_endpoint: `${httpsAuthority}/v2.0/.well-known/openid-configuration`,
				'api-version': '1.1',
				metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
			}),
			authorityMetadata: JSON.stringify({
				token_endpoint: tokenEndpoint,
				authorization_endpoint: `${httpsAuthority}/oauth2/v2.0/authorize`,
				end_session_endpoint: `${httpsAuthority}/oauth2/v2.0/logout`,
				issuer: `${httpsAuthority}/v2.0`,
				jwks_uri: `${httpsAuthority}/discovery/v2.0/keys`,
			}),
		},
		system: {
			// msal logs nothing of ours: no PII, and the callback drops every line.
			loggerOptions: {
				piiLoggingEnabled: false,
				logLevel: LogLevel.Error,
				loggerCallback: () => undefined,
			},
			// Our own network module: no redirects (msal's re-posted the secret on a 307), a timeout per request.
			networkClient: new TokenNetworkClient(options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS),
		},
	};
}

export interface TokenProviderOptions {
	/** Per-request timeout of a token request, ms (default 30 s; retried up to the retry policy's attempts). */
	timeoutMs?: number;
}

export interface TokenCounters {
	/** Tokens fetched from the token endpoint (cache hits are not counted). */
	tokenRequests: number;
	/** Forced refreshes after Graph rejected a token. */
	forcedRefreshes: number;
}

export class EntraTokenProvider implements AccessTokenSource {
	readonly counters: TokenCounters = { tokenRequests: 0, forcedRefreshes: 0 };
	private readonly app: ConfidentialClientApplication;
	private readonly secrets: string[];
	private lastToken?: string;

	constructor(
		private readonly config: EntraConfig,
		private readonly retryPolicy: RetryPolicy = {
			maxAttempts: 3,
			baseDelayMs: 500,
			maxDelayMs: 10_000,
		},
		options: TokenProviderOptions = {},
	) {
		this.app = new ConfidentialClientApplication(buildMsalConfiguration(config, options));
		this.secrets = credentialSecrets(config);
	}

	/** Secrets to redact from anything built from a response: credential material and the current token. */
	get redactions(): string[] {
		return this.lastToken ? [...this.secrets, this.lastToken] : this.secrets;
	}

	async getToken(forceRefresh = false): Promise<string> {
		if (forceRefresh) this.counters.forcedRefreshes++;
		const result = await withRetry(
			async () =>
				(await this.app.acquireTokenByClientCredential({
					scopes: [this.config.scope],
					skipCache: forceRefresh,
				})) as AuthenticationResult | null,
			(error) => ({ retry: (error as { errorCode?: string })?.errorCode === 'network_error' }),
			this.retryPolicy,
		).catch((error: unknown) => {
			throw toTokenError(error, this.redactions);
		});
		if (!result?.accessToken) {
			throw new ServiceApiError({
				service: 'entra',
				status: 0,
				message: 'Microsoft Entra ID returned no access token.',
			});
		}
		if (!result.fromCache) this.counters.tokenRequests++;
		this.lastToken = result.accessToken;
		return result.accessToken;
	}
}

/** Friendly text for the token errors people actually hit; the AADSTS code is always included. */
const AADSTS_HINTS: Record<string, string> = {
	AADSTS90002:
		'the tenant was not found: check the Tenant ID and the cloud (an app registered in a national cloud must use that cloud).',
	AADSTS900023: 'the Tenant ID is not a valid tenant identifier.',
	AADSTS700016:
		'the application (Client ID) was not found in this tenant: check the Client ID, the Tenant ID and that the app registration exists in this directory.',
	AADSTS7000215:
		'the client secret is wrong. Copy the secret *value* (not its ID) from Certificates & secrets.',
	AADSTS7000222:
		'the client secret has expired. Create a new secret in Certificates & secrets and update the credential.',
	AADSTS700027:
		'the certificate assertion was rejected: check that the certificate (thumbprint) is uploaded to the app registration and matches the private key.',
	AADSTS700024:
		'the certificate assertion is outside its validity window: check the clock of the n8n host.',
	AADSTS70011: 'the requested scope is invalid for this cloud: check the cloud setting.',
	AADSTS50059: 'no tenant could be identified from the request: check the Tenant ID.',
	AADSTS7000112: 'the application is disabled in this tenant.',
};

function toTokenError(error: unknown, secrets: string[]): ServiceApiError {
	if (error instanceof ServiceApiError) return error;
	const e = error as {
		errorCode?: string;
		errorMessage?: string;
		errorNo?: string | number;
		status?: number;
		message?: string;
	};
	const text = `${e?.errorMessage ?? ''} ${e?.message ?? ''}`;
	// errorNo comes from the response's error_codes: only a number is an AADSTS code.
	const aadsts = /^\d{1,10}$/.test(String(e?.errorNo ?? ''))
		? `AADSTS${e.errorNo}`
		: /AADSTS\d{1,10}/.exec(text)?.[0];
	const status = typeof e?.status === 'number' ? e.status : 0;
	if (aadsts) {
		const known = AADSTS_HINTS[aadsts];
		const raw = /Description: (.*?)(?: - Correlation ID|$)/.exec(text)?.[1] ?? text;
		const description = known ?? firstSentence(raw.replace(/^\s*AADSTS\d+:\s*/, ''));
		return new ServiceApiError({
			service: 'entra',
			status,
			code: aadsts,
			message: redact(
				`Microsoft Entra ID refused the token request (${aadsts}): ${description}`,
				secrets,
			),
			hint: known
				? undefined
				: 'See https://login.microsoftonline.com/error?code=' + aadsts.slice(6),
		});
	}
	if (e?.errorCode === REDIRECT_REFUSED) {
		return new ServiceApiError({
			service: 'entra',
			status,
			code: REDIRECT_REFUSED,
			message: redact(`Microsoft Entra ID token request refused: ${e.errorMessage ?? ''}`, secrets),
			hint: 'Check the cloud / Authority Host setting: it must be the token service itself (or a proxy that forwards, not redirects).',
		});
	}
	if (e?.errorCode === 'network_error') {
		return new ServiceApiError({
			service: 'entra',
			status: 0,
			code: 'network_error',
			message: redact(
				`Could not reach the Microsoft Entra ID token endpoint: ${firstSentence(e.errorMessage ?? '')}`,
				secrets,
			),
			hint: 'Check the cloud / Authority Host setting and that the n8n host can reach it over HTTPS.',
		});
	}
	// The code comes from the response (msal copies the body's `error`): text only, redacted, short.
	const code =
		typeof e?.errorCode === 'string' && e.errorCode !== ''
			? redact(e.errorCode.slice(0, 100), secrets)
			: undefined;
	return new ServiceApiError({
		service: 'entra',
		status,
		code,
		message: redact(
			`Could not get an access token from Microsoft Entra ID: ${firstSentence(text.trim())}`,
			secrets,
		),
	});
}

function firstSentence(text: string): string {
	const line = text.split(/\r?\n/)[0].trim();
	const sentence = /^.*?[.!?](?=\s|$)/.exec(line)?.[0] ?? line;
	return sentence.length > 300 ? `${sentence.slice(0, 300)}…` : sentence;
}
