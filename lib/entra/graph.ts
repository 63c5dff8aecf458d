/**
 * The one Graph transport: `@microsoft/microsoft-graph-client` as the request pipeline, with our own
 * middleware chain (graph-middleware.ts: retries, the bearer token, no redirects) in front of its
 * HTTPMessageHandler (global fetch).
 *
 * - URLs are built here and pinned through a middleware option, so `@odata.nextLink` and
 *   `@odata.deltaLink` are requested byte for byte as Graph returned them; every URL, links included,
 *   must stay on the configured Graph root (assertGraphUrl), so the token is never sent elsewhere.
 * - Collections are read page by page (getPage, getAllPages) with guards against loops and endless links.
 * Errors leave as ServiceApiError (service 'graph'), token problems as ServiceApiError ('entra'),
 * refused links as ConfigurationError; every message is redacted.
 */
import {
	Client,
	GraphClientError,
	GraphError,
	HTTPMessageHandler,
} from '@microsoft/microsoft-graph-client';

import { ConfigurationError, ServiceApiError } from '../common/errors';
import { redact } from '../common/redact';
import { DEFAULT_RETRY_POLICY } from '../common/retry';
import type { RetryPolicy } from '../common/retry';
import type { EntraConfig } from './config';
import { GraphBearerMiddleware, GraphRetryMiddleware, PinnedUrlOption } from './graph-middleware';
import type { GraphCounters, GraphPipeline } from './graph-middleware';
import { getTokenProvider } from './token';
import type { AccessTokenSource } from './token';

export type { GraphCounters } from './graph-middleware';

export interface GraphTransportOptions {
	retryPolicy?: RetryPolicy;
	/** Token source; defaults to the process-wide cached msal application for the config. */
	tokens?: AccessTokenSource & { redactions?: string[] };
	/** Per-request timeout, ms (default 60 s). */
	timeoutMs?: number;
	/** Most pages one collection read follows (default MAX_PAGES). */
	maxPages?: number;
}

/**
 * Most pages `getAllPages` follows: 20,000 pages of 999 are 20 million objects, far beyond any
 * directory, and a server that keeps handing out new next links cannot keep a read going for ever.
 */
export const MAX_PAGES = 20_000;

export interface GraphRequestOptions {
	/** Query options, values unencoded (`{ $select: 'id,mail', $filter: "mail eq 'a'" }`). */
	query?: Record<string, string | number | boolean | undefined>;
	/** Send `ConsistencyLevel: eventual` and `$count=true` (advanced query). */
	advancedQuery?: boolean;
	headers?: Record<string, string>;
}

export interface GraphPage<T> {
	value: T[];
	nextLink?: string;
	deltaLink?: string;
}

export class GraphTransport implements GraphPipeline {
	readonly counters: GraphCounters = { requests: 0, retries: 0, throttled: 0, tokenRefreshes: 0 };
	readonly graphRoot: string;
	readonly tokens: AccessTokenSource & { redactions?: string[] };
	readonly retryPolicy: RetryPolicy;
	readonly timeoutMs: number;
	readonly maxPages: number;
	private readonly origin: string;
	/** Path of the Graph root without a trailing slash ('' for an origin-only root). */
	private readonly rootPath: string;
	private readonly client: Client;

	constructor(config: EntraConfig, options: GraphTransportOptions = {}) {
		this.graphRoot = config.graphRoot;
		this.origin = new URL(config.graphRoot).origin;
		this.tokens = options.tokens ?? getTokenProvider(config);
		this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
		this.timeoutMs = options.timeoutMs ?? 60_000;
		this.maxPages = options.maxPages ?? MAX_PAGES;
		this.rootPath = new URL(config.graphRoot).pathname.replace(/\/+$/, '');
		this.client = Client.initWithMiddleware({
			baseUrl: `${this.graphRoot}/`,
			defaultVersion: 'v1.0',
			middleware: [
				new GraphRetryMiddleware(this),
				new GraphBearerMiddleware(this),
				new HTTPMessageHandler(),
			],
		});
	}

	/** Throws unless `url` is on the configured Graph root (protects the bearer token). */
	assertGraphUrl(url: string, key = 'deltaLink'): void {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw new ConfigurationError(
				`"${redact(url.slice(0, 200))}" is not a valid Microsoft Graph URL.`,
				key,
			);
		}
		const underRoot =
			this.rootPath === '' ||
			parsed.pathname === this.rootPath ||
			parsed.pathname.startsWith(`${this.rootPath}/`);
		if (parsed.origin !== this.origin || !underRoot) {
			const where =
				parsed.origin === this.origin
					? `${parsed.origin}${parsed.pathname.slice(0, 100)}`
					: parsed.origin;
			throw new ConfigurationError(
				`Refusing to call ${this.redact(where)}: links must stay on the configured Microsoft Graph endpoint ${this.graphRoot}, so the access token is never sent elsewhere.`,
				key,
			);
		}
		// An encoded slash or backslash would let a proxy in front of Graph decode its way out of the root.
		if (/%2f|%5c/i.test(parsed.pathname)) {
			throw new ConfigurationError(
				`Refusing to call a Microsoft Graph link whose path holds an encoded slash or backslash.`,
				key,
			);
		}
	}

	/** A redirect answer, refused (see GraphBearerMiddleware in graph-middleware.ts). */
	redirectRefused(url: string, response: Response): ServiceApiError {
		const location = response.headers.get('location');
		let target = 'another location';
		if (location) {
			try {
				const resolved = new URL(location, url);
				target = `${resolved.origin}${resolved.origin === this.origin ? resolved.pathname.slice(0, 100) : ''}`;
			} catch {
				target = 'an invalid location';
			}
		}
		return new ServiceApiError({
			service: 'graph',
			status: response.status,
			code: 'redirectRefused',
			message: this.redact(
				`Microsoft Graph answered HTTP ${response.status} with a redirect to ${target}; redirects are never followed, so the access token and request bodies stay on ${this.graphRoot}.`,
			),
			hint: 'Check the Graph Base URL: it must be the Graph endpoint itself (or a proxy that forwards, not redirects).',
		});
	}

	/** `/users` + query → absolute v1.0 URL; an absolute URL (nextLink/deltaLink) is checked and kept verbatim. */
	buildUrl(pathOrUrl: string, options: GraphRequestOptions = {}): string {
		if (/^https?:\/\//i.test(pathOrUrl)) {
			this.assertGraphUrl(pathOrUrl);
			// nextLinks normally repeat $count=true; add it if one does not, the header alone is not enough.
			if (options.advancedQuery && !/[?&]\$count=/i.test(pathOrUrl)) {
				return `${pathOrUrl}${pathOrUrl.includes('?') ? '&' : '?'}$count=true`;
			}
			return pathOrUrl;
		}
		const query = { ...(options.query ?? {}) };
		if (options.advancedQuery) query.$count = 'true';
		const pairs = Object.entries(query)
			.filter(([, value]) => value !== undefined && value !== '')
			.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
		const path = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
		assertPlainPath(path);
		return `${this.graphRoot}/v1.0${path}${pairs.length ? `?${pairs.join('&')}` : ''}`;
	}

	async get<T>(pathOrUrl: string, options: GraphRequestOptions = {}): Promise<T> {
		return (await this.send('GET', pathOrUrl, options)) as T;
	}

	async patch(pathOrUrl: string, body: Record<string, unknown>): Promise<void> {
		await this.send('PATCH', pathOrUrl, {}, body);
	}

	/** POST with a JSON body; returns the response body (e.g. a created subscription). */
	async post<T>(pathOrUrl: string, body: Record<string, unknown>): Promise<T> {
		return (await this.send('POST', pathOrUrl, {}, body)) as T;
	}

	/** PATCH that returns the response body (Graph answers some PATCHes with the updated object). */
	async patchReturning<T>(pathOrUrl: string, body: Record<string, unknown>): Promise<T> {
		return (await this.send('PATCH', pathOrUrl, {}, body)) as T;
	}

	async delete(pathOrUrl: string): Promise<void> {
		await this.send('DELETE', pathOrUrl, {});
	}

	/** One page of a collection. */
	async getPage<T>(pathOrUrl: string, options: GraphRequestOptions = {}): Promise<GraphPage<T>> {
		const body = await this.get<{
			value?: T[];
			'@odata.nextLink'?: string;
			'@odata.deltaLink'?: string;
		}>(pathOrUrl, options);
		const value: unknown = body?.value ?? [];
		const nextLink: unknown = body?.['@odata.nextLink'];
		const deltaLink: unknown = body?.['@odata.deltaLink'];
		if (
			!Array.isArray(value) ||
			(nextLink !== undefined && typeof nextLink !== 'string') ||
			(deltaLink !== undefined && typeof deltaLink !== 'string')
		) {
			throw new ServiceApiError({
				service: 'graph',
				status: 200,
				code: 'invalidPage',
				message:
					'Microsoft Graph answered with a page that is not a collection (value must be a list, next and delta links text).',
			});
		}
		return {
			value: value as T[],
			nextLink: nextLink || undefined,
			deltaLink: deltaLink || undefined,
		};
	}

	/**
	 * Follows `@odata.nextLink` until the last page (or until `limit` items), resending the
	 * advanced-query header on every page. Returns the items and the delta link, if any.
	 */
	async getAllPages<T>(
		pathOrUrl: string,
		options: GraphRequestOptions & { limit?: number } = {},
	): Promise<{ value: T[]; deltaLink?: string }> {
		const value: T[] = [];
		const seen = new Set<string>();
		let next: string | undefined = pathOrUrl;
		let pageOptions: GraphRequestOptions = options;
		for (let pages = 0; next; pages++) {
			if (pages >= this.maxPages) {
				throw new ServiceApiError({
					service: 'graph',
					status: 200,
					code: 'tooManyPages',
					message: `Microsoft Graph kept returning next links after ${this.maxPages} pages; stopping the read.`,
				});
			}
			const page: GraphPage<T> = await this.getPage<T>(next, pageOptions);
			// One at a time: push(...page) overflows the call stack on a page of a few hundred thousand items.
			for (const item of page.value) value.push(item);
			if (options.limit !== undefined && value.length >= options.limit)
				return { value: value.slice(0, options.limit) };
			if (page.deltaLink) return { value, deltaLink: page.deltaLink };
			seen.add(next);
			next = page.nextLink;
			if (next !== undefined && seen.has(next)) {
				throw new ServiceApiError({
					service: 'graph',
					status: 200,
					code: 'pagingLoop',
					message: `Microsoft Graph returned a next link it had already returned (after ${pages + 1} pages); stopping the read instead of looping.`,
				});
			}
			pageOptions = { advancedQuery: options.advancedQuery, headers: options.headers };
		}
		return { value };
	}

	private async send(
		method: 'GET' | 'PATCH' | 'POST' | 'DELETE',
		pathOrUrl: string,
		options: GraphRequestOptions,
		body?: unknown,
	) {
		const url = this.buildUrl(pathOrUrl, options);
		const request = this.client.api('/').middlewareOptions([new PinnedUrlOption(url)]);
		const headers: Record<string, string> = { ...(options.headers ?? {}) };
		if (options.advancedQuery) headers.ConsistencyLevel = 'eventual';
		request.headers(headers);
		try {
			if (method === 'POST') return await request.post(body);
			if (method === 'DELETE') return await request.delete();
			return method === 'GET' ? await request.get() : await request.patch(body);
		} catch (error) {
			throw this.toError(error);
		}
	}

	/** Redacts credential material and the current access token. */
	redact(text: string): string {
		return redact(text, this.tokens.redactions ?? []);
	}

	private toError(error: unknown): Error {
		const inner =
			error instanceof GraphClientError && error.customError !== undefined
				? error.customError
				: error;
		if (inner instanceof ServiceApiError || inner instanceof ConfigurationError) return inner;
		if (inner instanceof GraphError && inner.statusCode > 0) return this.fromGraphError(inner);
		const e = inner as { message?: string; name?: string; cause?: { code?: string } };
		const code = e?.cause?.code ?? (e?.name === 'TimeoutError' ? 'Timeout' : undefined);
		return new ServiceApiError({
			service: 'graph',
			status: 0,
			code,
			message: this.redact(
				`Could not reach Microsoft Graph at ${this.graphRoot}: ${code ?? e?.message ?? 'network error'}`,
			),
			hint: 'Check the cloud / Graph Base URL setting and the network path from n8n to Microsoft Graph.',
		});
	}

	private fromGraphError(error: GraphError): ServiceApiError {
		const status = error.statusCode;
		const code = error.code ?? undefined;
		let message = error.message;
		if (!message) {
			const body = typeof error.body === 'string' ? error.body.slice(0, 300) : '';
			message = `Microsoft Graph answered HTTP ${status}${body ? `: ${body}` : ''}`;
		}
		return new ServiceApiError({
			service: 'graph',
			status,
			code: code === undefined ? undefined : this.redact(code),
			message: this.redact(message),
			requestId: error.requestId ? this.redact(error.requestId) : undefined,
			hint: graphHint(status, code, message),
		});
	}
}

/**
 * A relative Graph path must not hold `.` or `..` segments (raw or percent-encoded): URL parsing
 * collapses them, so an id `..` would turn `/users/..` into the service root.
 */
export function assertPlainPath(path: string): void {
	const bare = path.split('?')[0];
	for (const segment of bare.split('/').slice(1)) {
		const decoded = segment.replace(/%2e/gi, '.');
		if (decoded === '.' || decoded === '..') {
			throw new ConfigurationError(
				`Refusing the Microsoft Graph path "${redact(bare.slice(0, 200))}": "." and ".." are not ids.`,
				'id',
			);
		}
	}
}

export const ON_PREMISES_MASTERED = /on-premises mastered/i;

function graphHint(status: number, code: string | undefined, message: string): string | undefined {
	if (status === 403 && code === 'Authorization_RequestDenied') {
		return 'Grant the app registration the User.Read.All application permission (GroupMember.Read.All for group scoping, User.ReadWrite.All for updates) and admin consent, in Entra ID → App registrations → API permissions.';
	}
	if (status === 400 && ON_PREMISES_MASTERED.test(message)) {
		return 'This user is synced from on-premises Active Directory (onPremisesSyncEnabled): change the attribute in AD, or leave it out of the update.';
	}
	if (status === 401)
		return 'The access token was rejected: check that the cloud setting matches the tenant.';
	if (status === 404)
		return 'The user or group was not found (new objects can take a moment to replicate).';
	if (status === 400 && code === 'Request_UnsupportedQuery') {
		return 'Microsoft Graph does not support this filter on this attribute; see the $filter support table for user properties.';
	}
	if (status === 429)
		return 'Microsoft Graph kept throttling the app; run again later or reduce how often the workflow runs.';
	return undefined;
}
