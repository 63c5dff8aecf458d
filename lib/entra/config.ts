/**
 * Entra ID credential → connection settings: national cloud hosts, tenant validation, certificate
 * parsing. Pure and synchronous; every problem is a ConfigurationError naming the credential field.
 */
import { createPrivateKey } from 'node:crypto';

import { ConfigurationError } from '../common/errors';
import { assertSafeBaseUrl } from '../common/redact';

export type EntraCloud = 'global' | 'usGov' | 'usGovDod' | 'china' | 'custom';
export type EntraAuthMethod = 'clientSecret' | 'certificate';

/** Login host and Graph root of each national cloud (learn.microsoft.com/graph/deployments). */
export const ENTRA_CLOUDS: Record<
	Exclude<EntraCloud, 'custom'>,
	{ authorityHost: string; graphRoot: string }
> = {
	global: {
		authorityHost: 'https://login.microsoftonline.com',
		graphRoot: 'https://graph.microsoft.com',
	},
	usGov: {
		authorityHost: 'https://login.microsoftonline.us',
		graphRoot: 'https://graph.microsoft.us',
	},
	usGovDod: {
		authorityHost: 'https://login.microsoftonline.us',
		graphRoot: 'https://dod-graph.microsoft.us',
	},
	china: {
		authorityHost: 'https://login.chinacloudapi.cn',
		graphRoot: 'https://microsoftgraph.chinacloudapi.cn',
	},
};

/** The credential's fields as n8n stores them (names are the `entraSyncEntraIdApi` contract). */
export interface EntraCredentialFields {
	tenantId?: string;
	clientId?: string;
	authMethod?: EntraAuthMethod | string;
	clientSecret?: string;
	certificatePrivateKey?: string;
	certificateThumbprint?: string;
	cloud?: EntraCloud | string;
	authorityHost?: string;
	graphBaseUrl?: string;
}

export type EntraClientCredential =
	| { kind: 'secret'; secret: string }
	| { kind: 'certificate'; privateKey: string; thumbprint?: string; thumbprintSha256?: string };

export interface EntraConfig {
	cloud: EntraCloud;
	tenantId: string;
	clientId: string;
	/** Origin of the token service, e.g. `https://login.microsoftonline.com` (no trailing slash). */
	authorityHost: string;
	/** Graph service root without version, e.g. `https://graph.microsoft.com` (no trailing slash). */
	graphRoot: string;
	/** `<graphRoot origin>/.default` */
	scope: string;
	credential: EntraClientCredential;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN =
	/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
const MULTI_TENANT_ALIASES = ['common', 'organizations', 'consumers'];

/** A tenant is a directory GUID or one of its verified domains; the multi-tenant aliases are refused. */
export function validateTenantId(value: string | undefined): string {
	const tenant = (value ?? '').trim();
	if (MULTI_TENANT_ALIASES.includes(tenant.toLowerCase())) {
		throw new ConfigurationError(
			`Tenant ID "${tenant}" is a multi-tenant alias. The client credentials flow signs in as the app itself, so it needs one specific tenant: use the Directory (tenant) ID GUID or a verified domain such as contoso.onmicrosoft.com.`,
			'tenantId',
		);
	}
	if (!GUID.test(tenant) && !DOMAIN.test(tenant)) {
		throw new ConfigurationError(
			'Tenant ID must be the Directory (tenant) ID GUID from the app registration overview, or a verified domain such as contoso.onmicrosoft.com.',
			'tenantId',
		);
	}
	return tenant;
}

/** 40 hex digits → SHA-1 `thumbprint` (RS256 + x5t), 64 → `thumbprintSha256` (PS256 + x5t#S256). */
export function parseThumbprint(value: string | undefined): {
	thumbprint?: string;
	thumbprintSha256?: string;
} {
	const hex = (value ?? '').replace(/[\s:]/g, '');
	if (/^[0-9a-f]{40}$/i.test(hex)) return { thumbprint: hex.toUpperCase() };
	if (/^[0-9a-f]{64}$/i.test(hex)) return { thumbprintSha256: hex.toUpperCase() };
	throw new ConfigurationError(
		'Certificate thumbprint must be the hex SHA-1 (40 characters) or SHA-256 (64 characters) thumbprint shown for the certificate in the app registration.',
		'certificateThumbprint',
	);
}

/**
 * Returns the private key as PKCS#8 PEM. Accepts what people paste: a PEM that also holds the
 * certificate, literal "\n" sequences, or line breaks flattened into spaces. Never echoes the key.
 */
export function normalizePrivateKey(value: string | undefined): string {
	const text = (value ?? '').replace(/\\n/g, '\n').trim();
	const block = /-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
	const invalid = new ConfigurationError(
		'Certificate private key must be an unencrypted PEM private key ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----").',
		'certificatePrivateKey',
	);
	if (!block || block[1].includes('ENCRYPTED')) throw invalid;
	const body = block[2].replace(/\s+/g, '');
	const pem = `-----BEGIN ${block[1]}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${block[1]}-----\n`;
	try {
		return createPrivateKey(pem).export({ format: 'pem', type: 'pkcs8' }).toString();
	} catch {
		throw invalid;
	}
}

/** `login.example.test`, `https://login.example.test/` or `http://127.0.0.1:8443` → origin. */
function normalizeOrigin(value: string | undefined, field: string, label: string): string {
	const raw = (value ?? '').trim();
	if (!raw) throw new ConfigurationError(`${label} is required when the cloud is "Custom".`, field);
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
	try {
		return assertSafeBaseUrl(withScheme, label).origin;
	} catch (error) {
		throw new ConfigurationError((error as Error).message, field);
	}
}

/** Graph root: origin plus an optional path prefix (a proxy), without a trailing `/v1.0` or slash. */
function normalizeGraphRoot(value: string | undefined): string {
	const raw = (value ?? '').trim();
	if (!raw)
		throw new ConfigurationError(
			'Graph Base URL is required when the cloud is "Custom".',
			'graphBaseUrl',
		);
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
	let url: URL;
	try {
		url = assertSafeBaseUrl(withScheme, 'Graph Base URL');
	} catch (error) {
		throw new ConfigurationError((error as Error).message, 'graphBaseUrl');
	}
	if (url.search || url.hash) {
		throw new ConfigurationError(
			'Graph Base URL must not carry a query string or fragment.',
			'graphBaseUrl',
		);
	}
	const path = url.pathname.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/i, '');
	return `${url.origin}${path}`;
}

/** Validates the credential and derives everything the token and Graph modules need. */
export function resolveEntraConfig(fields: EntraCredentialFields): EntraConfig {
	const tenantId = validateTenantId(fields.tenantId);
	const clientId = (fields.clientId ?? '').trim();
	if (!GUID.test(clientId)) {
		throw new ConfigurationError(
			'Client ID must be the Application (client) ID GUID from the app registration overview.',
			'clientId',
		);
	}

	const cloud = (fields.cloud || 'global') as EntraCloud;
	let authorityHost: string;
	let graphRoot: string;
	if (cloud === 'custom') {
		authorityHost = normalizeOrigin(fields.authorityHost, 'authorityHost', 'Authority Host');
		graphRoot = normalizeGraphRoot(fields.graphBaseUrl);
	} else if (cloud in ENTRA_CLOUDS) {
		({ authorityHost, graphRoot } = ENTRA_CLOUDS[cloud]);
	} else {
		throw new ConfigurationError(`Unknown cloud "${String(fields.cloud)}".`, 'cloud');
	}

	let credential: EntraClientCredential;
	if ((fields.authMethod ?? 'clientSecret') === 'certificate') {
		credential = {
			kind: 'certificate',
			privateKey: normalizePrivateKey(fields.certificatePrivateKey),
			...parseThumbprint(fields.certificateThumbprint),
		};
	} else {
		const secret = fields.clientSecret ?? '';
		if (!secret.trim()) {
			throw new ConfigurationError(
				'Client secret is required for the "Client Secret" authentication method.',
				'clientSecret',
			);
		}
		credential = { kind: 'secret', secret };
	}

	return {
		cloud,
		tenantId,
		clientId,
		authorityHost,
		graphRoot,
		scope: `${new URL(graphRoot).origin}/.default`,
		credential,
	};
}

/** Values that must never appear in any output, error or log line. */
export function credentialSecrets(config: EntraConfig): string[] {
	if (config.credential.kind === 'secret') return [config.credential.secret];
	const key = config.credential.privateKey;
	// The base64 body lines as well: a fragment of a key is still a leak.
	const lines = key.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
	return [key, ...lines];
}
