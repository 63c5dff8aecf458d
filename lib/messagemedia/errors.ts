/**
 * MessageMedia failures as `ServiceApiError`: error responses, refused redirects and network
 * failures, their hints, and the redaction of the credential from any text built from a response.
 */

import { ServiceApiError } from '../common/errors';
import { redact } from '../common/redact';
import { parseRetryAfter } from '../common/retry';
import type { MessageMediaConnection } from './config';

/** Longest service-provided text kept in an error message (a gateway page can be megabytes). */
const MAX_SERVICE_TEXT = 1000;

export const AUTH_REJECTED_MESSAGE =
	'MessageMedia rejected the API key/secret (check key, secret, auth method and region)';

/**
 * Redacts the credential from text built from a response: the secret, the key, the Basic header's
 * encoded `key:secret` (an API gateway's error page may echo the request), plus the generic patterns
 * of lib/common/redact.ts. Long service texts are cut to MAX_SERVICE_TEXT characters.
 */
function redactCredential(connection: MessageMediaConnection, text: string): string {
	const { apiKey, apiSecret } = connection;
	const encoded = Buffer.from(`${apiKey}:${apiSecret}`, 'utf8').toString('base64');
	const out = redact(text, [encoded, encoded.replace(/=+$/, ''), apiSecret, apiKey]);
	return out.length > MAX_SERVICE_TEXT ? `${out.slice(0, MAX_SERVICE_TEXT)}…` : out;
}

/**
 * Maps an error response. Contacts errors are `ApiError` {uuid, type, title, detail} or, for 400,
 * `InvalidInputApiError` (+ invalidFields); 401/403 have no documented body; other Engage APIs use
 * `{message, details[]}`. Parsed defensively.
 */
export function apiError(
	status: number,
	text: string,
	retryAfterHeader: string | undefined,
	connection: MessageMediaConnection,
): ServiceApiError {
	let parsed: Record<string, unknown> | undefined;
	try {
		const json: unknown = JSON.parse(text);
		if (json && typeof json === 'object' && !Array.isArray(json))
			parsed = json as Record<string, unknown>;
	} catch {
		parsed = undefined;
	}
	const str = (value: unknown): string | undefined =>
		typeof value === 'string' && value.trim() ? value : undefined;
	const invalidFields = Array.isArray(parsed?.invalidFields)
		? (parsed.invalidFields as Array<Record<string, unknown>>)
		: undefined;

	let message: string;
	if (status === 401 || status === 403) {
		message = `${AUTH_REJECTED_MESSAGE} (HTTP ${status})`;
	} else {
		const title = str(parsed?.title);
		const detail = str(parsed?.detail) ?? str(parsed?.message);
		message = [title, detail].filter(Boolean).join(': ') || `MessageMedia answered HTTP ${status}`;
		if (invalidFields?.length) {
			const list = invalidFields.map(
				(field) => `${String(field.name)}: ${String(field.reason ?? field.code)}`,
			);
			message += ` (invalid fields: ${list.join('; ')})`;
		}
	}

	const retryAfter = parseRetryAfter(retryAfterHeader ?? null);
	const details: Record<string, unknown> = {};
	if (invalidFields) details.invalidFields = invalidFields;
	if (retryAfter !== undefined) details.retryAfterMs = retryAfter;

	const redactText = (text: string) => redactCredential(connection, text);
	const clean = (text: string | undefined) => (text === undefined ? undefined : redactText(text));
	return new ServiceApiError({
		service: 'messagemedia',
		status,
		code: clean(str(parsed?.type)),
		message: redactText(message),
		hint: hint(status),
		requestId: clean(str(parsed?.uuid)),
		details: Object.keys(details).length
			? (JSON.parse(redactText(JSON.stringify(details))) as Record<string, unknown>)
			: undefined,
	});
}

/** node:https never follows a redirect; say so instead of "HTTP 307". */
export function redirectError(
	status: number,
	location: string | undefined,
	url: URL,
	connection: MessageMediaConnection,
): ServiceApiError {
	let target = 'nowhere (no Location header)';
	if (location) {
		try {
			target = new URL(location, url).origin;
		} catch {
			target = 'an invalid location';
		}
	}
	return new ServiceApiError({
		service: 'messagemedia',
		status,
		code: 'redirectRefused',
		message: redactCredential(
			connection,
			`MessageMedia answered HTTP ${status} with a redirect to ${target}; redirects are never followed, so the credential and request bodies stay on ${url.origin}`,
		),
		hint: 'Check the region or base URL in the MessageMedia credential: it must be the API itself (or a proxy that forwards, not redirects).',
	});
}

function hint(status: number): string | undefined {
	if (status === 401 || status === 403) {
		return 'Check the API key and secret in the MessageMedia credential, that the auth method matches the key type, and that the region is the one the account lives in.';
	}
	if (status === 429)
		return 'MessageMedia is throttling this account; run again later or lower the concurrency.';
	if (status >= 500) return 'MessageMedia had a server-side problem; running again usually helps.';
	return undefined;
}

/** A request that got no answer: a network failure or the per-attempt timeout (`timeoutMs`). */
export function networkError(
	error: unknown,
	url: URL,
	timeoutMs: number,
	connection: MessageMediaConnection,
): ServiceApiError {
	const e = error as { name?: string; code?: string; message?: string };
	const timedOut = e?.name === 'TimeoutError';
	const reason = timedOut
		? `no answer within ${Math.round(timeoutMs / 1000)} s`
		: (e?.code ?? e?.message ?? String(error));
	return new ServiceApiError({
		service: 'messagemedia',
		status: 0,
		code: timedOut ? 'timeout' : 'network',
		message: redactCredential(
			connection,
			`Could not reach MessageMedia at ${url.origin}: ${reason}`,
		),
		hint: 'Check the region or base URL in the MessageMedia credential and the network path to it.',
	});
}
