/** Request/response plumbing shared by the fake services. */
import type { IncomingHttpHeaders } from 'node:http';

export interface FakeRequest {
	method: string;
	url: URL;
	path: string;
	query: URLSearchParams;
	headers: IncomingHttpHeaders;
	body: Buffer;
	/** https://<host the client used> — links the fakes hand out point back at it. */
	baseUrl: string;
	requestId: string;
	/** Filled by handlers, copied into the request log. */
	log: { auth?: string; warnings: string[]; errors: string[]; fault?: string };
}

export interface FakeResponse {
	status: number;
	headers?: Record<string, string>;
	/** JSON-serialised unless a string or Buffer (sent as is). undefined = no body. */
	body?: unknown;
	contentType?: string;
	/** Destroy the socket instead of answering (connection reset). */
	reset?: boolean;
}

export function header(req: FakeRequest, name: string): string | undefined {
	const value = req.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

export function base64UrlEncodeJson(value: unknown): string {
	return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function base64UrlDecodeJson<T>(token: string): T | undefined {
	try {
		const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
		return parsed && typeof parsed === 'object' ? (parsed as T) : undefined;
	} catch {
		return undefined;
	}
}

/** JSON.parse that tells "no body" from "bad JSON". */
export function parseJsonBody(
	req: FakeRequest,
): { kind: 'empty' } | { kind: 'invalid'; message: string } | { kind: 'json'; value: unknown } {
	const text = req.body.toString('utf8');
	if (text.trim() === '') return { kind: 'empty' };
	try {
		return { kind: 'json', value: JSON.parse(text) as unknown };
	} catch (error) {
		return { kind: 'invalid', message: (error as Error).message };
	}
}

export function isLoopbackAddress(address: string | undefined): boolean {
	return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export function queryToRecord(query: URLSearchParams): Record<string, string | string[]> {
	const record: Record<string, string | string[]> = {};
	for (const key of new Set(query.keys())) {
		const values = query.getAll(key);
		record[key] = values.length === 1 ? values[0] : values;
	}
	return record;
}
