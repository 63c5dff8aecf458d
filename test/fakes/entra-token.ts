/**
 * Fake Microsoft Entra token service: the v2.0 client-credentials token endpoint (client secret or
 * certificate assertion), the OpenID metadata and instance discovery msal-node asks for, and the store
 * of issued (opaque) access tokens that the fake Graph checks.
 */
import {
	X509Certificate,
	constants,
	createHash,
	randomBytes,
	randomUUID,
	verify,
} from 'node:crypto';

import type { DirectoryStore, StoredApp, Tenant } from './entra-state';
import { header, type FakeRequest, type FakeResponse } from './http-util';
import type { FaultConfig } from './types';

export interface IssuedToken {
	tenantId: string;
	clientId: string;
	seq: number;
	issuedAt: number;
	expiresAt: number;
	uses: number;
}

export type TokenCheck =
	| { ok: true; token: IssuedToken }
	| { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' };

export class TokenStore {
	private readonly tokens = new Map<string, IssuedToken>();
	private seq = 0;
	private revokedUpTo = 0;

	issue(tenantId: string, clientId: string, lifetimeSeconds: number): string {
		const token = `fake.${randomBytes(24).toString('base64url')}`;
		const now = Date.now();
		this.tokens.set(token, {
			tenantId,
			clientId,
			seq: ++this.seq,
			issuedAt: now,
			expiresAt: now + lifetimeSeconds * 1000,
			uses: 0,
		});
		return token;
	}

	/** Every token issued so far stops working (admin: expire-tokens). */
	revokeAll(): void {
		this.revokedUpTo = this.seq;
	}

	/** Validate a bearer token and count its use. */
	use(authorization: string | undefined, faults: FaultConfig): TokenCheck {
		if (!authorization || authorization.trim() === '') return { ok: false, reason: 'missing' };
		const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
		if (!match) return { ok: false, reason: 'malformed' };
		const token = this.tokens.get(match[1]);
		if (!token) return { ok: false, reason: 'unknown' };
		const now = Date.now();
		if (token.seq <= this.revokedUpTo) return { ok: false, reason: 'revoked' };
		if (now >= token.expiresAt) return { ok: false, reason: 'expired' };
		if (faults.tokenInvalidateAt) {
			const at = Date.parse(faults.tokenInvalidateAt);
			if (now >= at && token.issuedAt < at) return { ok: false, reason: 'expired' };
		}
		if (
			faults.tokenInvalidateAfterRequests !== undefined &&
			token.uses >= faults.tokenInvalidateAfterRequests
		) {
			return { ok: false, reason: 'expired' };
		}
		token.uses++;
		return { ok: true, token };
	}
}

export interface TokenServiceOptions {
	tokenLifetimeSeconds: () => number;
}

const GRAPH_RESOURCES = new Set([
	'https://graph.microsoft.com',
	'https://graph.microsoft.us',
	'https://dod-graph.microsoft.us',
	'https://microsoftgraph.chinacloudapi.cn',
	'00000003-0000-0000-c000-000000000000',
]);

const CLOCK_SKEW_SECONDS = 300;

export class EntraTokenService {
	constructor(
		private readonly directory: DirectoryStore,
		readonly tokens: TokenStore,
		private readonly options: TokenServiceOptions,
		private readonly port: () => number,
	) {}

	/** Routes: POST /{tenant}/oauth2/v2.0/token, GET /{tenant}/v2.0/.well-known/openid-configuration, GET /common/discovery/instance, GET /{tenant}/discovery/v2.0/keys. */
	handle(req: FakeRequest): FakeResponse | undefined {
		const segments = req.path.split('/').filter(Boolean);
		if (
			segments.length === 4 &&
			segments[1] === 'oauth2' &&
			segments[2] === 'v2.0' &&
			segments[3] === 'token'
		) {
			if (req.method !== 'POST')
				return oauthError(
					req,
					405,
					'invalid_request',
					900561,
					'The endpoint only accepts POST requests.',
				);
			return this.token(req, segments[0]);
		}
		if (req.method !== 'GET') return undefined;
		if (
			segments.length === 4 &&
			segments[1] === 'v2.0' &&
			segments[2] === '.well-known' &&
			segments[3] === 'openid-configuration'
		) {
			return this.openIdConfiguration(req, segments[0]);
		}
		if (segments.length === 3 && segments[1] === 'discovery' && segments[2] === 'instance') {
			return this.instanceDiscovery(req);
		}
		if (
			segments.length === 4 &&
			segments[1] === 'discovery' &&
			segments[2] === 'v2.0' &&
			segments[3] === 'keys'
		) {
			return { status: 200, body: { keys: [] } };
		}
		return undefined;
	}

	static isTokenPath(path: string): boolean {
		return /^\/[^/]+\/oauth2\/v2\.0\/token\/?$/.test(path);
	}

	static isMetadataPath(path: string): boolean {
		return /^\/[^/]+\/(v2\.0\/\.well-known\/openid-configuration|discovery\/instance|discovery\/v2\.0\/keys)$/.test(
			path,
		);
	}

	private hostAliases(req: FakeRequest): string[] {
		const port = this.port();
		return [...new Set([new URL(req.baseUrl).host, `localhost:${port}`, `127.0.0.1:${port}`])];
	}

	private openIdConfiguration(req: FakeRequest, tenantSegment: string): FakeResponse {
		const special = ['common', 'organizations', 'consumers'].includes(tenantSegment.toLowerCase());
		const tenant = special ? undefined : this.directory.findTenant(tenantSegment);
		if (!special && !tenant) return tenantNotFound(req, tenantSegment);
		const tid = tenant ? tenant.id : '{tenantid}';
		const base = req.baseUrl;
		return {
			status: 200,
			body: {
				token_endpoint: `${base}/${tid}/oauth2/v2.0/token`,
				token_endpoint_auth_methods_supported: [
					'client_secret_post',
					'private_key_jwt',
					'client_secret_basic',
				],
				jwks_uri: `${base}/${tid}/discovery/v2.0/keys`,
				response_modes_supported: ['query', 'fragment', 'form_post'],
				subject_types_supported: ['pairwise'],
				id_token_signing_alg_values_supported: ['RS256'],
				response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
				scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
				issuer: `${base}/${tid}/v2.0`,
				request_uri_parameter_supported: false,
				userinfo_endpoint: `${base}/oidc/userinfo`,
				authorization_endpoint: `${base}/${tid}/oauth2/v2.0/authorize`,
				device_authorization_endpoint: `${base}/${tid}/oauth2/v2.0/devicecode`,
				http_logout_supported: true,
				frontchannel_logout_supported: true,
				end_session_endpoint: `${base}/${tid}/oauth2/v2.0/logout`,
				claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'ver'],
				tenant_region_scope: 'OC',
				cloud_instance_name: 'fake.local',
				cloud_graph_host_name: new URL(base).host,
				msgraph_host: new URL(base).host,
			},
		};
	}

	private instanceDiscovery(req: FakeRequest): FakeResponse {
		const authorizationEndpoint = req.query.get('authorization_endpoint');
		let tenantSegment = 'common';
		if (authorizationEndpoint) {
			try {
				tenantSegment =
					new URL(authorizationEndpoint).pathname.split('/').filter(Boolean)[0] ?? 'common';
			} catch {
				return oauthError(req, 400, 'invalid_instance', 50049, 'Unknown or invalid instance.');
			}
		}
		const aliases = this.hostAliases(req);
		return {
			status: 200,
			body: {
				tenant_discovery_endpoint: `${req.baseUrl}/${tenantSegment}/v2.0/.well-known/openid-configuration`,
				'api-version': '1.1',
				metadata: [{ preferred_network: aliases[0], preferred_cache: aliases[0], aliases }],
			},
		};
	}

	private token(req: FakeRequest, tenantSegment: string): FakeResponse {
		const tenant = this.directory.findTenant(tenantSegment);
		if (!tenant) return tenantNotFound(req, tenantSegment);
		const contentType = header(req, 'content-type') ?? '';
		if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
			return oauthError(
				req,
				400,
				'invalid_request',
				900144,
				"The request body must contain the following parameter: 'grant_type'.",
			);
		}
		const form = new URLSearchParams(req.body.toString('utf8'));
		let clientId = form.get('client_id') ?? undefined;
		let clientSecret = form.get('client_secret') ?? undefined;
		const basic = /^Basic\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
		if (basic) {
			const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
			clientId = clientId ?? decodeURIComponent(id ?? '');
			clientSecret = clientSecret ?? decodeURIComponent(secret ?? '');
		}
		const grantType = form.get('grant_type');
		if (!grantType)
			return oauthError(
				req,
				400,
				'invalid_request',
				900144,
				"The request body must contain the following parameter: 'grant_type'.",
			);
		if (grantType !== 'client_credentials') {
			return oauthError(
				req,
				400,
				'unsupported_grant_type',
				70003,
				`The app requested an unsupported grant type '${grantType}'.`,
			);
		}
		if (!clientId)
			return oauthError(
				req,
				400,
				'invalid_request',
				900144,
				"The request body must contain the following parameter: 'client_id'.",
			);
		req.log.auth = clientId;
		const app = tenant.apps.get(clientId.toLowerCase());
		if (!app) {
			return oauthError(
				req,
				400,
				'unauthorized_client',
				700016,
				`Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
			);
		}
		const scopeError = checkScope(req, form.get('scope'), this.hostAliases(req));
		if (scopeError) return scopeError;

		const assertionType = form.get('client_assertion_type');
		const assertion = form.get('client_assertion');
		if (clientSecret !== undefined && clientSecret !== '') {
			if (app.secret === undefined || app.secret !== clientSecret) {
				return oauthError(
					req,
					401,
					'invalid_client',
					7000215,
					`Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
				);
			}
		} else if (assertionType || assertion) {
			if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
				return oauthError(
					req,
					400,
					'invalid_request',
					50027,
					"The client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
				);
			}
			const failure = this.verifyAssertion(req, tenant, app, tenantSegment, assertion ?? '');
			if (failure) return failure;
		} else {
			return oauthError(
				req,
				401,
				'invalid_client',
				7000218,
				"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
			);
		}
		const lifetime = this.options.tokenLifetimeSeconds();
		const accessToken = this.tokens.issue(tenant.id, app.clientId, lifetime);
		return {
			status: 200,
			headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
			body: {
				token_type: 'Bearer',
				expires_in: lifetime,
				ext_expires_in: lifetime,
				access_token: accessToken,
			},
		};
	}

	private verifyAssertion(
		req: FakeRequest,
		tenant: Tenant,
		app: StoredApp,
		tenantSegment: string,
		assertion: string,
	): FakeResponse | undefined {
		const bad = (code: number, text: string, status = 401, error = 'invalid_client') =>
			oauthError(req, status, error, code, text);
		const parts = assertion.split('.');
		if (parts.length !== 3)
			return bad(50027, 'JWT token is invalid or malformed.', 400, 'invalid_request');
		let jwtHeader: Record<string, unknown>;
		let claims: Record<string, unknown>;
		try {
			jwtHeader = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<
				string,
				unknown
			>;
			claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<
				string,
				unknown
			>;
		} catch {
			return bad(50027, 'JWT token is invalid or malformed.', 400, 'invalid_request');
		}
		const alg = jwtHeader.alg;
		if (alg !== 'RS256' && alg !== 'PS256') {
			return bad(
				700027,
				`Client assertion failed signature validation. Unsupported signing algorithm '${String(alg)}'.`,
			);
		}
		const x5t = typeof jwtHeader.x5t === 'string' ? jwtHeader.x5t : undefined;
		const x5tS256 =
			typeof jwtHeader['x5t#S256'] === 'string' ? (jwtHeader['x5t#S256'] as string) : undefined;
		if (!x5t && !x5tS256)
			return bad(
				700027,
				'Client assertion failed signature validation. The key identifier (x5t or x5t#S256) is missing.',
			);
		const certificate = app.certificates
			.map((pem) => new X509Certificate(pem))
			.find(
				(cert) =>
					(x5t !== undefined && createHash('sha1').update(cert.raw).digest('base64url') === x5t) ||
					(x5tS256 !== undefined &&
						createHash('sha256').update(cert.raw).digest('base64url') === x5tS256),
			);
		if (!certificate) {
			return bad(
				700027,
				`The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${x5t ?? x5tS256}']`,
			);
		}
		const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'utf8');
		const signature = Buffer.from(parts[2], 'base64url');
		const valid =
			alg === 'RS256'
				? verify(
						'sha256',
						signed,
						{ key: certificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
						signature,
					)
				: verify(
						'sha256',
						signed,
						{
							key: certificate.publicKey,
							padding: constants.RSA_PKCS1_PSS_PADDING,
							saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
						},
						signature,
					);
		if (!valid) return bad(700027, 'Client assertion failed signature validation.');
		const audiences = new Set<string>();
		for (const host of this.hostAliases(req)) {
			for (const segment of [tenant.id, ...tenant.domains, tenantSegment.toLowerCase()]) {
				audiences.add(`https://${host}/${segment}/oauth2/v2.0/token`);
				audiences.add(`https://${host}/${segment}/oauth2/token`);
			}
		}
		const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
		if (!aud.some((a) => typeof a === 'string' && audiences.has(a.toLowerCase()))) {
			return bad(
				700027,
				`Client assertion contains an invalid audience claim '${String(claims.aud)}'. Expected the token endpoint URL of the tenant.`,
			);
		}
		if (
			String(claims.iss).toLowerCase() !== app.clientId ||
			String(claims.sub).toLowerCase() !== app.clientId
		) {
			return bad(
				700021,
				"Client assertion application identifier doesn't match 'client_id' parameter.",
			);
		}
		const now = Math.floor(Date.now() / 1000);
		if (typeof claims.exp !== 'number' || now > claims.exp + CLOCK_SKEW_SECONDS) {
			return bad(
				700024,
				`Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, expiry time of assertion ${typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'missing'}.`,
			);
		}
		if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS) {
			return bad(
				700024,
				`Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${new Date(claims.nbf * 1000).toISOString()}.`,
			);
		}
		return undefined;
	}
}

function checkScope(
	req: FakeRequest,
	scope: string | null,
	hostAliases: string[],
): FakeResponse | undefined {
	if (!scope)
		return oauthError(
			req,
			400,
			'invalid_request',
			900144,
			"The request body must contain the following parameter: 'scope'.",
		);
	const scopes = scope
		.split(/\s+/)
		.filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s));
	if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
		return oauthError(
			req,
			400,
			'invalid_scope',
			1002012,
			`The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
		);
	}
	const resource = scopes[0].slice(0, -'/.default'.length).replace(/\/$/, '');
	let known = GRAPH_RESOURCES.has(resource.toLowerCase());
	if (!known) {
		try {
			const url = new URL(resource);
			known = url.protocol === 'https:' && hostAliases.includes(url.host);
		} catch {
			known = false;
		}
	}
	if (!known) {
		return oauthError(
			req,
			400,
			'invalid_resource',
			500011,
			`The resource principal named ${resource} was not found in the tenant.`,
		);
	}
	return undefined;
}

function tenantNotFound(req: FakeRequest, tenantSegment: string): FakeResponse {
	return oauthError(
		req,
		400,
		'invalid_request',
		90002,
		`Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
	);
}

/** Entra's OAuth error body. */
export function oauthError(
	req: FakeRequest,
	status: number,
	error: string,
	code: number,
	text: string,
): FakeResponse {
	const traceId = randomUUID();
	const correlationId = header(req, 'client-request-id') ?? randomUUID();
	const timestamp = new Date()
		.toISOString()
		.replace('T', ' ')
		.replace(/\.\d+Z$/, 'Z');
	return {
		status,
		headers: { 'x-ms-request-id': traceId },
		body: {
			error,
			error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
			error_codes: [code],
			timestamp,
			trace_id: traceId,
			correlation_id: correlationId,
			error_uri: `${req.baseUrl}/error?code=${code}`,
		},
	};
}
