/** Shared fixtures for the MessageMedia unit tests: a recorder of what reached the (nock) server. */
import nock from 'nock';

import type { Contact, ContactList } from '../../../lib/messagemedia/types';
import { validateRequest } from '../../support/openapi';

export const BASE = 'https://au.app.api.sinch.com';

export interface RecordedRequest {
	method: string;
	/** Path with query, as sent. */
	path: string;
	headers: Record<string, string | string[] | undefined>;
	/** Raw body string as sent ('' when none). */
	raw: string;
	/** Parsed JSON body, undefined when none. */
	body: unknown;
}

/** A nock scope on `base` that records every request it answers into `requests`. */
export function recordedScope(requests: RecordedRequest[], base = BASE): nock.Scope {
	const scope = nock(base);
	scope.on(
		'request',
		(
			req: { method: string; path: string; headers: Record<string, string | string[] | undefined> },
			_interceptor: unknown,
			raw: string,
		) => {
			requests.push({
				method: req.method,
				path: req.path,
				headers: req.headers,
				raw: raw ?? '',
				body: raw ? JSON.parse(raw) : undefined,
			});
		},
	);
	return scope;
}

/**
 * The common afterEach of these suites: every recorded request satisfies the vendor's OpenAPI (path,
 * query and body), every nock mock was used. The recorder and nock are reset first (delayed replies of
 * timed-out requests aborted), so a failed check leaves nothing behind for the next test or for jest.
 */
export async function checkRecordedRequests(requests: RecordedRequest[]): Promise<void> {
	const sent = requests.splice(0);
	const pending = nock.pendingMocks();
	nock.abortPendingRequests();
	nock.cleanAll();
	for (const r of sent) {
		const result = await validateRequest(r.method, r.path, r.body);
		expect({ request: `${r.method} ${r.path}`, errors: result.errors }).toEqual({
			request: `${r.method} ${r.path}`,
			errors: [],
		});
	}
	expect(pending).toEqual([]);
}

let counter = 0;
/** A uuid-shaped id that is unique per call. */
export function uuid(): string {
	counter++;
	return `3fa85f64-5717-4562-b3fc-${counter.toString(16).padStart(12, '0')}`;
}

export function contact(overrides: Partial<Contact> = {}): Contact {
	return {
		id: uuid(),
		accountId: 'acc-1',
		vendorId: 'vendor-1',
		firstName: 'Ada',
		lastName: 'Lovelace',
		fullName: 'Ada Lovelace',
		alias: '',
		country: 'AU',
		state: '',
		location: '',
		note: '',
		createdDate: '2026-01-01T00:00:00.000Z',
		lastModifiedDate: '2026-01-01T00:00:00.000Z',
		customFields: [],
		channels: [{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
		lists: [],
		...overrides,
	};
}

export function list(overrides: Partial<ContactList> = {}): ContactList {
	return {
		id: uuid(),
		accountId: 'acc-1',
		vendorId: 'vendor-1',
		name: 'Sales',
		alias: '',
		createdDate: '2026-01-01T00:00:00.000Z',
		lastModifiedDate: '2026-01-01T00:00:00.000Z',
		...overrides,
	};
}
