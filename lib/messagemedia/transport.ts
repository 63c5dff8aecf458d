/**
 * The one MessageMedia transport: base URL, JSON, authentication (Basic or HMAC over the exact body
 * bytes), per-request timeout, retries through lib/common/retry.ts and mapping of failures to
 * `ServiceApiError` (errors.ts).
 *
 * Retries: 429, 502, 503, 504 and network errors/timeouts, with exponential backoff and jitter, honouring
 * Retry-After. GET, PATCH and DELETE are retried; POST is never retried here (a create is not idempotent:
 * the sync engine retries it as look-up-then-create).
 *
 * Every attempt takes a slot from the adaptive concurrency controller (adaptive.ts) and hands it back
 * with what the answer said (fast, slow, 429 with its Retry-After), so a run finds how many requests
 * in flight the account bears; the Sync node's Concurrency option is its ceiling.
 *
 * Requests go through node:https (node:http for a loopback http:// base URL) on the global keep-alive
 * agent, not the global `fetch`: a sync sends one request per contact, and per request fetch costs about
 * three times the CPU and leaves several times the garbage (measured: 0.65 ms against 0.2 ms per create,
 * 280 MB against 50 MB of heap over 8,000 creates), which at 100k contacts is minutes and a gigabyte.
 */

import * as http from 'node:http';
import * as https from 'node:https';

import { ConfigurationError, ServiceApiError } from '../common/errors';
import {
	DEFAULT_RETRY_POLICY,
	isTransientNetworkError,
	parseRetryAfter,
	withRetry,
	type RetryPolicy,
} from '../common/retry';
import { AdaptiveConcurrency } from './adaptive';
import { basicAuthorization, httpDate, signRequest } from './auth';
import type { MessageMediaConnection } from './config';
import { apiError, networkError, redirectError } from './errors';
import type { RequestStats } from './types';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | Array<string | number> | undefined;

export interface TransportOptions {
	/** Per-attempt timeout, ms (default 15 000). */
	timeoutMs?: number;
	/** Overrides of the shared retry policy (tests inject `sleep` and `random`). */
	retry?: Partial<RetryPolicy>;
	/** Clock for the HMAC `date` header (tests pin it). */
	now?: () => Date;
	/** Most requests in flight (the adaptive controller's ceiling; default DEFAULT_CONCURRENCY). */
	concurrency?: number;
}

export interface TransportRequest {
	method: HttpMethod;
	/** Path under the base URL, starting with `/`. */
	path: string;
	/** Arrays become repeated keys (`listIds=a&listIds=b`); undefined values are left out. */
	query?: Record<string, QueryValue>;
	/** Serialised once to JSON; those exact bytes are signed and sent. */
	body?: unknown;
	/**
	 * Statuses that count as success when they answer a retried attempt (e.g. 404 for a DELETE whose
	 * first attempt reached the server before the connection failed).
	 */
	successAfterRetry?: number[];
}

export interface TransportResponse<T> {
	status: number;
	/** Parsed JSON body; undefined for 204 and empty bodies. */
	body: T | undefined;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** The adaptive controller's ceiling when nobody sets one (the Sync node sets its Concurrency option). */
export const DEFAULT_CONCURRENCY = 20;

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** One HTTP exchange: the status, the body as text and the Retry-After header. */
interface RawResponse {
	status: number;
	text: string;
	retryAfter: string | undefined;
	location: string | undefined;
}

/** A per-attempt timeout, named like the `AbortSignal.timeout` error the rest of the code knows. */
class TimeoutError extends Error {
	override name = 'TimeoutError';
}

/** Failure of one attempt with a status; carries what the retry classifier needs. */
class AttemptFailure extends Error {
	constructor(
		readonly apiError: ServiceApiError,
		readonly retryAfterMs: number | undefined,
	) {
		super(apiError.message);
	}
}

export class MessageMediaTransport {
	readonly stats: RequestStats = { total: 0, byMethod: {}, retries: 0 };
	/** Requests in flight, found while running (adaptive.ts). */
	readonly flow: AdaptiveConcurrency;

	private readonly policy: RetryPolicy;
	private readonly timeoutMs: number;
	private readonly now: () => Date;

	constructor(
		private readonly connection: MessageMediaConnection,
		options: TransportOptions = {},
	) {
		this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
		this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		this.now = options.now ?? (() => new Date());
		this.flow = new AdaptiveConcurrency({
			ceiling: options.concurrency ?? DEFAULT_CONCURRENCY,
			sleep: this.policy.sleep,
		});
	}

	get baseUrl(): string {
		return this.connection.baseUrl;
	}

	async request<T>(request: TransportRequest): Promise<TransportResponse<T>> {
		const url = this.buildUrl(request.path, request.query);
		const body = request.body === undefined ? undefined : JSON.stringify(request.body);
		const retryable = request.method !== 'POST';
		try {
			return await withRetry(
				async (attempt) => await this.attempt<T>(request, url, body, attempt),
				(error) => {
					if (!retryable) return { retry: false };
					if (error instanceof AttemptFailure) {
						return {
							retry: RETRYABLE_STATUSES.has(error.apiError.status),
							retryAfterMs: error.retryAfterMs,
						};
					}
					return { retry: isTransientNetworkError(error) };
				},
				this.policy,
				() => {
					this.stats.retries++;
				},
			);
		} catch (error) {
			if (error instanceof AttemptFailure) throw error.apiError;
			throw networkError(error, url, this.timeoutMs, this.connection);
		}
	}

	private async attempt<T>(
		request: TransportRequest,
		url: URL,
		body: string | undefined,
		attempt: number,
	): Promise<TransportResponse<T>> {
		// The slot first: the HMAC date is taken when the request really leaves.
		const permit = await this.flow.acquire();
		this.stats.total++;
		this.stats.byMethod[request.method] = (this.stats.byMethod[request.method] ?? 0) + 1;

		let response: RawResponse;
		try {
			const headers: Record<string, string> = {
				Accept: 'application/json',
				...this.authHeaders(request.method, url, body),
			};
			if (body !== undefined) headers['Content-Type'] = 'application/json';
			response = await this.send(request.method, url, headers, body);
		} catch (error) {
			this.flow.release(permit, { kind: 'other' });
			throw error;
		}
		if (response.status === 429) {
			this.flow.release(permit, {
				kind: 'throttled',
				retryAfterMs: parseRetryAfter(response.retryAfter ?? null),
			});
		} else {
			this.flow.release(permit, {
				kind: response.status >= 200 && response.status < 300 ? 'ok' : 'other',
			});
		}
		const ok = response.status >= 200 && response.status < 300;
		if (ok || (attempt > 1 && request.successAfterRetry?.includes(response.status))) {
			return {
				status: response.status,
				body: ok ? this.parseJson<T>(response.text, response.status) : undefined,
			};
		}
		if (response.status >= 300 && response.status < 400)
			throw new AttemptFailure(
				redirectError(response.status, response.location, url, this.connection),
				undefined,
			);
		throw new AttemptFailure(
			apiError(response.status, response.text, response.retryAfter, this.connection),
			parseRetryAfter(response.retryAfter ?? null),
		);
	}

	/** Sends one request and reads the whole answer; network failures and the timeout reject. */
	private async send(
		method: HttpMethod,
		url: URL,
		headers: Record<string, string>,
		body: string | undefined,
	): Promise<RawResponse> {
		const outgoing =
			body === undefined
				? headers
				: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
		const transport = url.protocol === 'http:' ? http : https;
		return await new Promise<RawResponse>((resolve, reject) => {
			const fail = (error: Error) => {
				clearTimeout(timer);
				reject(error);
			};
			const req = transport.request(url, { method, headers: outgoing }, (res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('error', fail);
				res.on('end', () => {
					clearTimeout(timer);
					const retryAfter = res.headers['retry-after'];
					resolve({
						status: res.statusCode ?? 0,
						text: Buffer.concat(chunks).toString('utf8'),
						retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
						location: res.headers.location,
					});
				});
			});
			const timer = setTimeout(() => {
				const error = new TimeoutError(`no answer within ${this.timeoutMs} ms`);
				reject(error);
				req.destroy(error);
			}, this.timeoutMs);
			req.on('error', fail);
			req.end(body);
		});
	}

	private buildUrl(path: string, query?: Record<string, QueryValue>): URL {
		// A `.` or `..` segment (raw or %2e) would be collapsed by URL parsing: `/contacts/..` is another resource.
		for (const segment of path.split('?')[0].split('/')) {
			const decoded = segment.replace(/%2e/gi, '.');
			if (decoded === '.' || decoded === '..') {
				throw new ConfigurationError(
					`Refusing the MessageMedia path "${path.slice(0, 200)}": "." and ".." are not ids`,
					'id',
				);
			}
		}
		const url = new URL(
			`${this.connection.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`,
		);
		for (const [name, value] of Object.entries(query ?? {})) {
			if (value === undefined) continue;
			for (const one of Array.isArray(value) ? value : [value])
				url.searchParams.append(name, String(one));
		}
		return url;
	}

	private authHeaders(
		method: HttpMethod,
		url: URL,
		body: string | undefined,
	): Record<string, string> {
		const { apiKey, apiSecret, authMethod } = this.connection;
		if (authMethod === 'basic') return { Authorization: basicAuthorization(apiKey, apiSecret) };
		return signRequest({
			method,
			path: `${url.pathname}${url.search}`,
			body,
			date: httpDate(this.now()),
			key: apiKey,
			secret: apiSecret,
		}).headers;
	}

	private parseJson<T>(text: string, status: number): T | undefined {
		if (status === 204 || text.trim() === '') return undefined;
		try {
			return JSON.parse(text) as T;
		} catch {
			throw new ServiceApiError({
				service: 'messagemedia',
				status,
				message: `MessageMedia answered HTTP ${status} with a body that is not JSON`,
			});
		}
	}
}
