/**
 * msal-node's network module (`system.networkClient`) for the token requests: the global fetch, as
 * msal's own client uses, but
 * - redirects are never followed: msal's client lets fetch follow them, and a 307/308 from the token
 *   endpoint re-posted the form — client_secret or the signed client_assertion — to wherever it
 *   pointed, another origin and plain http:// included. A 3xx answer fails instead, naming its target;
 * - every request has a timeout (msal's client has none for the token POST: an endpoint that never
 *   answered held an attempt for about five minutes);
 * - the answer is read up to MAX_TOKEN_RESPONSE_BYTES.
 * Failures are msal `AuthError`s, so msal passes them through unchanged: network problems and
 * timeouts as `network_error` (retried by the token provider), a redirect as `redirect_refused`.
 */
import { AuthError } from '@azure/msal-node';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Per-request timeout of a token request (ms). */
export const DEFAULT_TOKEN_TIMEOUT_MS = 30_000;
/** A token response is a few kilobytes; anything past this is not one. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

export const REDIRECT_REFUSED = 'redirect_refused';

export class TokenNetworkClient implements INetworkModule {
	constructor(private readonly timeoutMs: number = DEFAULT_TOKEN_TIMEOUT_MS) {}

	async sendGetRequestAsync<T>(
		url: string,
		options?: NetworkRequestOptions,
		timeout?: number,
	): Promise<NetworkResponse<T>> {
		return await this.send<T>('GET', url, options, timeout);
	}

	async sendPostRequestAsync<T>(
		url: string,
		options?: NetworkRequestOptions,
	): Promise<NetworkResponse<T>> {
		return await this.send<T>('POST', url, options);
	}

	private async send<T>(
		method: 'GET' | 'POST',
		url: string,
		options: NetworkRequestOptions = {},
		timeout?: number,
	): Promise<NetworkResponse<T>> {
		const timeoutMs = Math.min(timeout && timeout > 0 ? timeout : this.timeoutMs, this.timeoutMs);
		const signal = AbortSignal.timeout(timeoutMs);
		let response: Response;
		try {
			response = await fetch(url, {
				method,
				headers: options.headers,
				body: method === 'POST' ? (options.body ?? '') : undefined,
				redirect: 'manual',
				signal,
			});
		} catch (error) {
			throw networkError(error, timeoutMs);
		}
		const headers: Record<string, string> = {};
		response.headers.forEach((value, name) => {
			headers[name] = value;
		});
		if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
			void response.body?.cancel();
			throw new AuthError(
				REDIRECT_REFUSED,
				'',
				`the token endpoint answered HTTP ${response.status} with a redirect to ${describeLocation(headers.location, url)}. Redirects are never followed, so the client secret or assertion is never re-sent elsewhere.`,
			);
		}
		let text: string;
		try {
			text = await readLimited(response);
		} catch (error) {
			if (error instanceof AuthError) throw error;
			throw networkError(error, timeoutMs);
		}
		let body: T;
		try {
			body = JSON.parse(text) as T;
		} catch {
			throw new AuthError(
				'token_parsing_error',
				'',
				`the token endpoint answered HTTP ${response.status} with a body that is not JSON.`,
			);
		}
		return { headers, body, status: response.status };
	}
}

function networkError(error: unknown, timeoutMs: number): AuthError {
	const e = error as {
		name?: string;
		message?: string;
		cause?: { code?: string; message?: string };
	};
	const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
	const reason = timedOut
		? `no answer within ${Math.round(timeoutMs / 1000)} s.`
		: `${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? 'network error'}.`;
	return new AuthError('network_error', '', reason);
}

/** Origin of a Location header (resolved against the request), never its path or query. */
function describeLocation(location: string | undefined, base: string): string {
	if (!location) return 'nowhere (no Location header)';
	try {
		return new URL(location, base).origin;
	} catch {
		return 'an invalid location';
	}
}

async function readLimited(response: Response): Promise<string> {
	if (!response.body) return '';
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > MAX_TOKEN_RESPONSE_BYTES) {
			await reader.cancel();
			throw new AuthError(
				'token_parsing_error',
				'',
				`the token endpoint answered with more than ${MAX_TOKEN_RESPONSE_BYTES} bytes.`,
			);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks).toString('utf8');
}
