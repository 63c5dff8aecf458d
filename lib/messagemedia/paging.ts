/**
 * Reading a MessageMedia collection (contacts, lists, custom fields) page by page, following
 * `nextPageToken`. A read either returns every record the account holds for the query or throws:
 * the sync plans creates and removals on a full read, so a silently short read would create a
 * second contact for a user whose contact sat on a page that was never fetched.
 *
 * - Paging goes on while the answer carries a `nextPageToken`, even after an empty page (a server may
 *   answer an empty page mid-collection, e.g. when records were filtered out after paging).
 * - A token seen before means the server is looping: error.
 * - More than `MAX_PAGES` pages: error (a server that never stops).
 * - When the answers carry `totalElements` and the pages ended with fewer records than the last
 *   answer said: error. More records than announced is not an error (records added during the read).
 * - With a `limit` (Get Many) the read stops once the limit is reached; a read that ends below the
 *   limit is held to `totalElements` like a full one.
 */

import { ServiceApiError } from '../common/errors';
import type { QueryValue, TransportRequest, TransportResponse } from './transport';

/** Pages followed before a read is refused: 10,000 pages of 1000 is ten million records. */
export const MAX_PAGES = 10_000;

export interface TokenPage<T> {
	content?: T[];
	nextPageToken?: string;
	totalElements?: number;
}

export interface PageRequester {
	request<T>(request: TransportRequest): Promise<TransportResponse<T>>;
}

export const INCOMPLETE_READ = 'incompleteRead';

function incompleteRead(path: string, message: string): ServiceApiError {
	return new ServiceApiError({
		service: 'messagemedia',
		status: 200,
		code: INCOMPLETE_READ,
		message: `Reading ${path} from MessageMedia did not complete: ${message}. Nothing was planned on the partial read.`,
		hint: 'Run again; if it keeps happening, MessageMedia is paging this account inconsistently (report it to MessageMedia support with the time of the run).',
	});
}

/**
 * GETs `path` with `query` page after page (`pageSize` per page) and returns the records, at most
 * `limit` (Infinity: all of them, checked complete as described above).
 */
export async function collectPages<T>(
	transport: PageRequester,
	path: string,
	query: Record<string, QueryValue>,
	pageSize: number,
	limit: number,
	maxPages = MAX_PAGES,
): Promise<T[]> {
	const records: T[] = [];
	const seenTokens = new Set<string>();
	let token: string | undefined;
	let announced: number | undefined;
	for (let pages = 1; ; pages++) {
		const response = await transport.request<TokenPage<T>>({
			method: 'GET',
			path,
			query: { ...query, pageSize, nextPageToken: token },
		});
		const page = response.body ?? {};
		const content = Array.isArray(page.content) ? page.content : [];
		// One at a time: a spread of a 1000-record page into push() puts every record on the call stack.
		for (const record of content) records.push(record);
		if (typeof page.totalElements === 'number' && Number.isFinite(page.totalElements))
			announced = page.totalElements;
		if (records.length >= limit) return records.slice(0, limit);
		token =
			typeof page.nextPageToken === 'string' && page.nextPageToken !== ''
				? page.nextPageToken
				: undefined;
		if (token === undefined) break;
		if (seenTokens.has(token)) {
			throw incompleteRead(
				path,
				`page ${pages + 1} was requested with a page token already used (the server is paging in a loop) after ${records.length} records`,
			);
		}
		seenTokens.add(token);
		if (pages >= maxPages) {
			throw incompleteRead(
				path,
				`still more pages after ${maxPages} pages (${records.length} records)`,
			);
		}
	}
	if (announced !== undefined && records.length < announced) {
		throw incompleteRead(
			path,
			`the pages ended after ${records.length} records but MessageMedia reported totalElements ${announced}`,
		);
	}
	return records;
}
