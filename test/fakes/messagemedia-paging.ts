/**
 * Paging of the fake MessageMedia collections (contacts, lists, custom fields): `pageSize` (default
 * `messageMediaDefaultPageSize`, at most `messageMediaMaxPageSize`), `nextPageToken`/`prevPageToken`
 * bound to the filters they were issued for, `totalElements` = the filtered total.
 *
 * `messageMediaPaging` makes the pages misbehave the way a real service can, for client tests:
 * - `normal` (default): as above.
 * - `emptyPages`: between two pages of records comes an empty page that still carries a
 *   `nextPageToken`; a client that stops at an empty page reads only the first page.
 * - `truncated`: the first page carries no `nextPageToken` although `totalElements` says there are
 *   more; a client must not take that first page for the whole collection.
 * - `loop`: every page (when there is more than one) hands out the token of the second page; a
 *   client must not loop forever.
 */
import { createHash } from 'node:crypto';

import { base64UrlDecodeJson, base64UrlEncodeJson, type FakeResponse } from './http-util';
import { badRequest, json } from './messagemedia-api';

export const MESSAGEMEDIA_PAGING_MODES = ['normal', 'emptyPages', 'truncated', 'loop'] as const;
export type MessageMediaPaging = (typeof MESSAGEMEDIA_PAGING_MODES)[number];

export interface PagingOptions {
	defaultPageSize: () => number;
	/** Records per page at most, whatever `pageSize` asks (a server may page smaller than asked). */
	maxPageSize?: () => number;
	paging?: () => MessageMediaPaging;
}

interface PageToken {
	/** Offset of the page's first record. */
	o?: unknown;
	/** The filters the token was issued for. */
	f?: unknown;
	/** `emptyPages`: answer an empty page (then the page at `o`). */
	e?: unknown;
}

export function pageOf<T>(
	query: URLSearchParams,
	items: T[],
	render: (item: T) => Record<string, unknown>,
	options: PagingOptions,
): FakeResponse {
	const mode = options.paging?.() ?? 'normal';
	const rawSize = query.get('pageSize');
	let pageSize = rawSize === null ? options.defaultPageSize() : Number(rawSize);
	if (pageSize < 1)
		throw badRequest('Invalid page size', [
			{
				name: 'pageSize',
				code: 'constraint_violation',
				reason: 'must be greater than or equal to 1',
			},
		]);
	pageSize = Math.min(pageSize, options.maxPageSize?.() ?? pageSize);
	const filterKey = createHash('sha1')
		.update(
			[...query]
				.filter(([k]) => !['nextPageToken', 'prevPageToken', 'pageSize'].includes(k))
				.map(([k, v]) => `${k}=${v}`)
				.sort()
				.join('&'),
		)
		.digest('base64url')
		.slice(0, 10);
	let offset = 0;
	let emptyPage = false;
	for (const name of ['nextPageToken', 'prevPageToken']) {
		const token = query.get(name);
		if (token === null) continue;
		const decoded = base64UrlDecodeJson<PageToken>(token);
		if (!decoded || typeof decoded.o !== 'number' || decoded.o < 0 || decoded.f !== filterKey) {
			throw badRequest('Invalid page token', [
				{
					name,
					code: 'invalid_format',
					reason:
						'unknown or malformed page token (tokens are only valid with the filters they were issued for)',
				},
			]);
		}
		offset = decoded.o;
		emptyPage = decoded.e === 1;
	}
	const token = (o: number, extra: Record<string, unknown> = {}) =>
		base64UrlEncodeJson({ o, f: filterKey, ...extra });
	if (emptyPage)
		return json(200, { content: [], totalElements: items.length, nextPageToken: token(offset) });

	const content = items.slice(offset, offset + pageSize).map(render);
	const body: Record<string, unknown> = { content, totalElements: items.length };
	const more = offset + pageSize < items.length;
	if (mode === 'loop' && items.length > pageSize) body.nextPageToken = token(pageSize);
	else if (more && mode === 'emptyPages') body.nextPageToken = token(offset + pageSize, { e: 1 });
	else if (more && !(mode === 'truncated' && offset === 0))
		body.nextPageToken = token(offset + pageSize);
	if (offset > 0) body.prevPageToken = token(Math.max(0, offset - pageSize));
	return json(200, body);
}
