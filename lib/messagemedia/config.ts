/**
 * Where and how to reach MessageMedia: region → base URL, auth method, and the checks on a custom URL.
 * The credential (`entraSyncMessageMediaApi`) holds exactly these fields.
 */

import { ConfigurationError } from '../common/errors';
import { assertSafeBaseUrl } from '../common/redact';
import type { AuthMethod } from './auth';

export type MessageMediaRegion = 'apac' | 'eu' | 'custom';

/** Regional hosts of the Sinch Engage (MessageMedia) API, from the vendor OpenAPI `servers`. */
export const MESSAGEMEDIA_REGION_URLS: Record<Exclude<MessageMediaRegion, 'custom'>, string> = {
	apac: 'https://au.app.api.sinch.com',
	eu: 'https://eu.app.api.sinch.com',
};

/** The legacy APAC host that MessageMedia's own tools still use; reachable through region `custom`. */
export const MESSAGEMEDIA_LEGACY_APAC_URL = 'https://api.messagemedia.com';

export interface MessageMediaCredentialFields {
	apiKey?: unknown;
	apiSecret?: unknown;
	authMethod?: unknown;
	region?: unknown;
	baseUrl?: unknown;
}

export interface MessageMediaConnection {
	/** Base URL without trailing slash; paths such as `/api/v1/contacts/contacts` are appended. */
	baseUrl: string;
	apiKey: string;
	apiSecret: string;
	authMethod: AuthMethod;
}

/** Validates the credential fields and resolves the base URL. Throws `ConfigurationError` naming the field. */
export function resolveMessageMediaConnection(
	fields: MessageMediaCredentialFields,
): MessageMediaConnection {
	const apiKey = typeof fields.apiKey === 'string' ? fields.apiKey.trim() : '';
	const apiSecret = typeof fields.apiSecret === 'string' ? fields.apiSecret.trim() : '';
	if (!apiKey) throw new ConfigurationError('The MessageMedia API key is empty', 'apiKey');
	if (!apiSecret) throw new ConfigurationError('The MessageMedia API secret is empty', 'apiSecret');

	const authMethod = fields.authMethod ?? 'basic';
	if (authMethod !== 'basic' && authMethod !== 'hmac') {
		throw new ConfigurationError(
			`Unknown MessageMedia auth method "${String(authMethod)}" (use basic or hmac)`,
			'authMethod',
		);
	}

	const region = fields.region ?? 'apac';
	let baseUrl: string;
	if (region === 'apac' || region === 'eu') {
		baseUrl = MESSAGEMEDIA_REGION_URLS[region];
	} else if (region === 'custom') {
		const custom = typeof fields.baseUrl === 'string' ? fields.baseUrl.trim() : '';
		if (!custom)
			throw new ConfigurationError('Region is "custom" but the base URL is empty', 'baseUrl');
		try {
			assertSafeBaseUrl(custom, 'MessageMedia base URL');
		} catch (error) {
			throw new ConfigurationError((error as Error).message, 'baseUrl');
		}
		baseUrl = custom.replace(/\/+$/, '');
	} else {
		throw new ConfigurationError(
			`Unknown MessageMedia region "${String(region)}" (use apac, eu or custom)`,
			'region',
		);
	}
	return { baseUrl, apiKey, apiSecret, authMethod };
}
