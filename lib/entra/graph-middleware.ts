/**
 * The middleware chain of the Graph transport (graph.ts), in front of graph-client's HTTPMessageHandler:
 *
 *   GraphRetryMiddleware → GraphBearerMiddleware → HTTPMessageHandler (global fetch)
 *
 * graph-client's own handlers fall short here (see README, dependencies): its auth handler picks where
 * the token goes by host name alone and never sends it over `http://`, its retry handler retries
 * neither 502 nor network errors and cannot refresh a rejected token.
 */
import { GraphClientError } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

import { isTransientNetworkError, parseRetryAfter, withRetry } from '../common/retry';
import type { RetryPolicy } from '../common/retry';
import type { AccessTokenSource } from './token';

export interface GraphCounters {
	/** HTTP requests sent to Graph, retries included. */
	requests: number;
	/** Retries after 429/502/503/504, network errors or a rejected token. */
	retries: number;
	/** 429 responses seen. */
	throttled: number;
	/** Forced token refreshes after a 401 InvalidAuthenticationToken. */
	tokenRefreshes: number;
}

/** What the middleware needs of the transport it serves. */
export interface GraphPipeline {
	readonly counters: GraphCounters;
	readonly tokens: AccessTokenSource;
	readonly retryPolicy: RetryPolicy;
	/** Per-request timeout, ms. */
	readonly timeoutMs: number;
	/** Throws unless `url` is on the configured Graph root. */
	assertGraphUrl(url: string): void;
	/** The error for a redirect answer (redirects are never followed). */
	redirectRefused(url: string, response: Response): Error;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Carries the exact URL of a request through graph-client's request builder. */
export class PinnedUrlOption implements MiddlewareOptions {
	constructor(readonly url: string) {}
}

/** A link of graph-client's middleware chain, serving one transport. */
abstract class ChainLink implements Middleware {
	protected next?: Middleware;

	constructor(protected readonly transport: GraphPipeline) {}

	setNext(next: Middleware): void {
		this.next = next;
	}

	abstract execute(context: Context): Promise<void>;
}

/** A retryable response, thrown inside the retry loop only. */
class RetryableResponse extends Error {
	constructor(
		readonly response: Response,
		readonly retryAfterMs?: number,
	) {
		super(`HTTP ${response.status}`);
	}
}

/**
 * Sends the token only to the configured Graph origin (checked per request, so a nextLink/deltaLink
 * pointing elsewhere never receives it), also for loopback `http://` fakes, which graph-client's own
 * AuthenticationHandler (https + known host names only) would skip; never follows a redirect.
 */
export class GraphBearerMiddleware extends ChainLink {
	async execute(context: Context): Promise<void> {
		const pinned = context.middlewareControl?.getMiddlewareOptions(PinnedUrlOption) as
			| PinnedUrlOption
			| undefined;
		if (pinned) context.request = pinned.url;
		const url = String(context.request);
		this.transport.assertGraphUrl(url);
		const options = (context.options ??= {});
		const headers = { ...((options.headers as Record<string, string> | undefined) ?? {}) };
		headers.Authorization = `Bearer ${await this.transport.tokens.getToken()}`;
		options.headers = headers;
		options.signal = AbortSignal.timeout(this.transport.timeoutMs);
		// Never follow a redirect: an answer from elsewhere is not directory data, and fetch would re-send a
		// PATCH body on a 307/308 (the Authorization header it drops only across origins).
		options.redirect = 'manual';
		this.transport.counters.requests++;
		await this.next!.execute(context);
		const response = context.response;
		if (
			response &&
			((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect')
		) {
			void response.body?.cancel();
			throw this.transport.redirectRefused(url, response);
		}
	}
}

/**
 * lib/common/retry.ts policy for 429/502/503/504 (honouring Retry-After) and network errors; a 401
 * `InvalidAuthenticationToken` forces one token refresh and one retry.
 */
export class GraphRetryMiddleware extends ChainLink {
	async execute(context: Context): Promise<void> {
		const { transport } = this;
		let refreshed = false;
		try {
			await withRetry(
				async () => {
					await this.next!.execute(context);
					const response = context.response!;
					if (RETRY_STATUSES.has(response.status)) {
						if (response.status === 429) transport.counters.throttled++;
						throw new RetryableResponse(
							response,
							parseRetryAfter(response.headers.get('retry-after')),
						);
					}
					if (
						response.status === 401 &&
						!refreshed &&
						(await graphErrorCode(response)) === 'InvalidAuthenticationToken'
					) {
						refreshed = true;
						transport.counters.tokenRefreshes++;
						await transport.tokens.getToken(true);
						throw new RetryableResponse(response, 0);
					}
				},
				(error) =>
					error instanceof RetryableResponse
						? { retry: true, retryAfterMs: error.retryAfterMs }
						: { retry: isTransientNetworkError(error) },
				transport.retryPolicy,
				({ error }) => {
					transport.counters.retries++;
					// The retried response is dropped; the last one stays readable for the error path.
					if (error instanceof RetryableResponse) void error.response.body?.cancel();
				},
			);
		} catch (error) {
			// Out of attempts on a retryable status: leave the last response for the normal error path.
			if (error instanceof RetryableResponse) return;
			// graph-client rethrows GraphClientError untouched; anything else it flattens into a GraphError.
			const wrapped = new GraphClientError((error as Error)?.message);
			wrapped.customError = error;
			throw wrapped;
		}
	}
}

async function graphErrorCode(response: Response): Promise<string | undefined> {
	try {
		const body = (await response.clone().json()) as { error?: { code?: string } };
		return body?.error?.code;
	} catch {
		return undefined;
	}
}
