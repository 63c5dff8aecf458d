/**
 * The fake MessageMedia's number authorisation API (the account blacklist of numbers that opted out of
 * SMS), under /v1/number_authorisation, as the vendor OpenAPI describes it:
 *
 * - `GET /v1/number_authorisation/is_authorised/{numbers}`: comma-separated E.164 numbers →
 *   `{ uri, numbers: [{ number, authorised }] }` in the order asked; `authorised` is false exactly when
 *   the number is on the blacklist. A contact whose SMS channel is UNSUBSCRIBED is not on the
 *   blacklist by that alone (the vendor keeps the two apart).
 * - `GET /v1/number_authorisation/mt/blacklist[?token=]`: pages of 100 numbers, `pagination.page` /
 *   `pagination.next_uri` while more follow.
 * - `POST /v1/number_authorisation/mt/blacklist` `{ numbers: [...] }`: at most 10 numbers, with or
 *   without the leading + (the vendor's example has none, its text asks for one); 201 with the numbers,
 *   or 200 when every number was already there.
 * - `DELETE /v1/number_authorisation/mt/blacklist/{number}`: 200 `text/plain`, 404 when not there.
 * Errors use this API's own shape, `{ message, details: [...] }` (not the Contacts API's ApiError).
 */
import type { FakeResponse } from './http-util';
import type { MessageMediaAccount } from './messagemedia-store';

export const BLACKLIST_PAGE_SIZE = 100;
export const BLACKLIST_ADD_LIMIT = 10;
export const NUMBER_AUTHORISATION_PREFIX = '/v1/number_authorisation/';

const INTERNATIONAL = /^\+?[1-9]\d{6,14}$/;

export interface NumberRoute {
	operation: 'isAuthorised' | 'listBlacklist' | 'addToBlacklist' | 'removeFromBlacklist';
	/** The raw path parameter (`numbers` or `number`), percent-decoded. */
	param?: string;
}

export function numberRoute(method: string, path: string): NumberRoute | 'method' | undefined {
	const authorised = /^\/v1\/number_authorisation\/is_authorised\/([^/]+)$/.exec(path);
	if (authorised)
		return method === 'GET'
			? { operation: 'isAuthorised', param: decodeURIComponent(authorised[1]) }
			: 'method';
	if (path === '/v1/number_authorisation/mt/blacklist') {
		if (method === 'GET') return { operation: 'listBlacklist' };
		if (method === 'POST') return { operation: 'addToBlacklist' };
		return 'method';
	}
	const one = /^\/v1\/number_authorisation\/mt\/blacklist\/([^/]+)$/.exec(path);
	if (one)
		return method === 'DELETE'
			? { operation: 'removeFromBlacklist', param: decodeURIComponent(one[1]) }
			: 'method';
	return undefined;
}

/** `+` and digits: the form numbers are kept in. undefined when it is not an international number. */
export function blacklistForm(number: string): string | undefined {
	const trimmed = number.trim();
	if (!INTERNATIONAL.test(trimmed)) return undefined;
	return trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
}

export function numbersError(
	status: number,
	message: string,
	details: string[] = [],
): FakeResponse {
	return { status, contentType: 'application/json', body: { message, details } };
}

function ok(status: number, body: Record<string, unknown>): FakeResponse {
	return { status, contentType: 'application/json', body };
}

export function handleNumbers(
	account: MessageMediaAccount,
	route: NumberRoute,
	query: URLSearchParams,
	body: unknown,
	rawPath: string,
): FakeResponse {
	switch (route.operation) {
		case 'isAuthorised': {
			const asked = (route.param ?? '').split(',').map((n) => n.trim());
			const invalid = asked.filter((n) => !n.startsWith('+') || blacklistForm(n) === undefined);
			if (asked.length === 0 || invalid.length > 0) {
				return numbersError(
					400,
					'Request failed to parse correctly. Please ensure input is valid and try again.',
					invalid.map(
						(n) =>
							`${JSON.stringify(n)} is not a number in international format (+ and 7 to 15 digits)`,
					),
				);
			}
			return ok(200, {
				uri: rawPath,
				numbers: asked.map((number) => ({ number, authorised: !account.blacklist.has(number) })),
			});
		}
		case 'listBlacklist': {
			const token = query.get('token');
			const offset = token === null ? 0 : Number(token);
			if (!Number.isInteger(offset) || offset < 0)
				return numbersError(400, 'Invalid pagination token', [
					`token ${JSON.stringify(token)} is not one this service issued`,
				]);
			const all = [...account.blacklist].sort();
			const page: Record<string, unknown> = {
				uri: `${rawPath}${token === null ? '' : `?token=${token}`}`,
				numbers: all.slice(offset, offset + BLACKLIST_PAGE_SIZE),
			};
			const next = offset + BLACKLIST_PAGE_SIZE;
			if (next < all.length)
				page.pagination = { page: String(next), next_uri: `${rawPath}?token=${next}` };
			return ok(200, page);
		}
		case 'addToBlacklist': {
			const numbers = (body as { numbers: string[] }).numbers;
			const invalid = numbers.filter((n) => blacklistForm(n) === undefined);
			if (numbers.length === 0 || numbers.length > BLACKLIST_ADD_LIMIT || invalid.length > 0) {
				const details =
					numbers.length === 0
						? ['numbers must not be empty']
						: numbers.length > BLACKLIST_ADD_LIMIT
							? [`at most ${BLACKLIST_ADD_LIMIT} numbers per request`]
							: invalid.map((n) => `${JSON.stringify(n)} is not a number in international format`);
				return numbersError(
					400,
					'Request failed to parse correctly. Please ensure input is valid and try again.',
					details,
				);
			}
			const added = numbers.filter((n) => !account.blacklist.has(blacklistForm(n) as string));
			for (const number of numbers) account.blacklist.add(blacklistForm(number) as string);
			return ok(added.length === 0 ? 200 : 201, { uri: rawPath, numbers });
		}
		case 'removeFromBlacklist': {
			const number = blacklistForm(route.param ?? '');
			if (number === undefined || !account.blacklist.has(number)) return { status: 404 };
			account.blacklist.delete(number);
			return {
				status: 200,
				contentType: 'text/plain',
				body: 'The number has been successfully deleted.',
			};
		}
	}
}
