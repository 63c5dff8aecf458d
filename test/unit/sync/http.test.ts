/**
 * The sync engine through the real MessageMedia client (transport, paging, retries) against a nock
 * server backed by an in-memory account: request counts, 429/503/timeouts, and every request checked
 * against the vendor OpenAPI.
 */

import nock from 'nock';

import { runSync, type SyncOptions } from '../../../lib/sync';
import { validateRequest } from '../../support/openapi';
import { FakeMessageMedia } from './fakeServer';
import { guid, inputs, options, phoneOf, removal, user, users } from './fixtures';

const CONTACTS = /^\/api\/v1\/contacts\/contacts(\?|$)/;
const CONTACT_BY_ID = /^\/api\/v1\/contacts\/contacts\/[^/?]+$/;
const LOOKUP = /^\/api\/v1\/contacts\/contacts\?channelIds=/;
const LISTS = /^\/api\/v1\/contacts\/lists(\?|$)/;
const MEMBERS = /^\/api\/v1\/contacts\/lists\/[^/]+\/contacts$/;
const FIELDS = /^\/api\/v1\/contacts\/custom-fields(\?|$)/;

let server: FakeMessageMedia;
let sleeps: number[];

beforeEach(() => {
	server = new FakeMessageMedia();
	sleeps = [];
});

afterEach(async () => {
	// Every request of every test here satisfies the vendor OpenAPI (path, query, body)
	expect(await server.contractErrors()).toEqual([]);
	nock.cleanAll();
});

async function sync(items: unknown[], overrides: Partial<SyncOptions> = {}, timeoutMs?: number) {
	server.newRun();
	return await runSync(server.client(sleeps, timeoutMs), inputs(items), options(overrides), {
		retryPolicy: { sleep: async (ms) => void sleeps.push(ms) },
	});
}

/** The account holds exactly one linked contact per user, each in its department list. */
function expectConverged(count: number, from = 1): void {
	const all = server.account.all();
	expect(all).toHaveLength(count);
	for (let n = from; n < from + count; n++) {
		const mine = server.account.byPhone(phoneOf(n));
		expect(mine).toHaveLength(1);
		expect(server.account.fieldValue(mine[0], 'Entra Object ID')).toBe(guid(n));
		expect(mine[0].lists.map((l) => l.name)).toEqual([n % 2 === 0 ? 'Sales' : 'Support']);
	}
	expect([...server.account.lists.values()].map((l) => l.name).sort()).toEqual([
		'Sales',
		'Support',
	]);
	expect([...server.account.fields.values()].map((f) => f.label).sort()).toEqual([
		'Email',
		'Entra Object ID',
		'Entra Sync State',
	]);
}

describe('through the real client', () => {
	it('a full sync from empty makes exactly 3 reads + 1 opt-out check + 3 field creates + L list creates + N contact creates', async () => {
		const N = 25;
		const L = 2;
		const result = await sync(users(N));
		// custom-field page, list page, contact page; the opt-out list check of the new numbers (50 a request);
		// link, email and ownership record fields; L lists; N contacts (joining lists on create)
		expect(server.requests.map((r) => r.method).sort()).toEqual(
			[...Array(4).fill('GET'), ...Array(3 + L + N).fill('POST')].sort(),
		);
		expect(server.count('GET', /^\/v1\/number_authorisation\/is_authorised\//)).toBe(1);
		expect(server.count('POST', FIELDS)).toBe(3);
		expect(server.count('POST', LISTS)).toBe(L);
		expect(server.count('POST', CONTACTS)).toBe(N);
		expect(result.summary.requests).toEqual({
			total: 4 + 3 + L + N,
			byMethod: { GET: 4, POST: 3 + L + N },
			retries: 0,
		});
		expectConverged(N);
	});

	it('the same input again sends only the three reads (no new number: no opt-out check)', async () => {
		await sync(users(25));
		const again = await sync(users(25));
		expect(server.writes()).toEqual([]);
		expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
		expect(again.summary.counts.unchanged).toBe(25);
	});

	it('reads contacts in pages of 1000', async () => {
		for (let n = 1; n <= 2500; n++)
			server.account.seedContact({
				channels: [{ channelId: `+6149${String(n).padStart(7, '0')}`, type: 'SMS' }],
			});
		await sync([user(1)]);
		const pages = server.requests.filter(
			(r) => r.method === 'GET' && CONTACTS.test(r.path) && !LOOKUP.test(r.path),
		);
		expect(pages.map((r) => new URL(r.path, 'https://x').searchParams.get('pageSize'))).toEqual([
			'1000',
			'1000',
			'1000',
		]);
	});
});

describe('429 with Retry-After, 503 and timeouts', () => {
	it('on pages and creates: the end state is right and nothing is duplicated', async () => {
		server.fail(
			{ method: 'GET', path: FIELDS, status: 503 },
			{ method: 'GET', path: LISTS, status: 429, retryAfter: '3' },
			{ method: 'GET', path: CONTACTS, status: 503 },
			{ method: 'POST', path: FIELDS, status: 503 }, // first field: not committed → not found by merge tag → created again
			{ method: 'POST', path: LISTS, status: 503, afterCommit: true }, // first list: committed, answer lost → found by name
			{ method: 'POST', path: CONTACTS, status: 503 }, // contact 1: not committed → look-up finds nothing → create again
			{ method: 'POST', path: CONTACTS, status: 503, afterCommit: true }, // contact 1 again: committed, answer lost → look-up finds it
			{ method: 'POST', path: CONTACTS, status: 429, retryAfter: '2' }, // contact 2 throttled: wait 2 s, look-up, create
		);
		const result = await sync(users(10), { concurrency: 1 });
		expectConverged(10);
		expect(result.summary.counts.created).toBe(10);
		expect(result.summary.counts.failed).toBe(0);
		// Retry-After honoured by the transport (GET) and by look-up-then-create (POST)
		expect(sleeps).toEqual(expect.arrayContaining([3000, 2000]));
		expect(result.summary.requests.retries).toBe(3); // the three GET retries inside the transport
		// creates are never retried blindly: every POST retry is preceded by a look-up of the number
		expect(server.count('POST', CONTACTS)).toBe(10 + 2); // 10 + the uncommitted 503 + the 429 (the lost answer was not re-sent)
		expect(server.account.all()).toHaveLength(10);
		expect(server.count('GET', LOOKUP)).toBe(3);
		expect(server.count('POST', FIELDS)).toBe(4); // 3 fields, the first one twice
		expect(server.count('POST', LISTS)).toBe(2);
	});

	it('on a create that times out after committing: the look-up finds it, no duplicate', async () => {
		// A request timeout a loaded CI machine can't exceed by accident (100 ms once timed out a second create).
		server.fail({ method: 'POST', path: CONTACTS, status: 201, afterCommit: true, delayMs: 2500 });
		const result = await sync(users(4), { concurrency: 1 }, 1000);
		expectConverged(4);
		expect(result.outcomes.map((o) => o.action)).toEqual([
			'created',
			'created',
			'created',
			'created',
		]);
		expect(server.count('POST', CONTACTS)).toBe(4);
		expect(server.count('GET', LOOKUP)).toBe(1);
	});

	it('on updates, membership changes and deletes: the end state is right', async () => {
		await sync(users(10));
		server.fail(
			{ method: 'PATCH', path: CONTACT_BY_ID, status: 429, retryAfter: '1' },
			{ method: 'PATCH', path: CONTACT_BY_ID, status: 503 },
			{ method: 'PATCH', path: MEMBERS, status: 503 },
			{ method: 'DELETE', path: CONTACT_BY_ID, status: 503, afterCommit: true }, // deleted, answer lost: the retry's 404 is success
		);
		const next = users(9).map((u, i) =>
			i < 3 ? user(i + 1, { firstName: 'Renamed' }) : i === 3 ? user(4, { lists: ['Support'] }) : u,
		);
		const result = await sync(next);
		expect(result.summary.counts).toMatchObject({ updated: 4, removed: 1, failed: 0 });
		expect(server.account.all().filter((c) => c.firstName === 'Renamed')).toHaveLength(3);
		expect(server.account.byPhone(phoneOf(10))).toEqual([]);
		expect(server.account.byPhone(phoneOf(4))[0].lists.map((l) => l.name)).toEqual(['Support']);
		expect(server.account.all()).toHaveLength(9);
		expect(sleeps).toContain(1000);
		expect(result.summary.requests.retries).toBe(4);
	});

	it('converges when the same run is simply repeated after a failure', async () => {
		// the contact page keeps failing: the run fails before writing anything
		server.fail(
			...Array.from({ length: 6 }, () => ({ method: 'GET', path: CONTACTS, status: 503 })),
		);
		await expect(sync(users(6))).rejects.toMatchObject({ status: 503 });
		expect(server.writes()).toEqual([]);
		await sync(users(6));
		expectConverged(6);
	});
});

describe('request bodies against the vendor OpenAPI', () => {
	it('every kind of write the sync makes validates (the afterEach hook checks each request)', async () => {
		server.account.seedContact({
			firstName: 'Adopt me',
			channels: [{ channelId: phoneOf(7), type: 'SMS' }],
		});
		await sync([
			...users(6),
			user(7, {
				alias: 'u7',
				note: 'n',
				country: 'AU',
				state: 'NSW',
				location: 'Sydney',
				dateOfBirth: '1990-02-03',
				customFields: { 'Cost Centre': 'CC-1' },
			}),
		]);
		await sync(
			[
				user(1, { phone: '+61400000901', firstName: 'New' }),
				user(2, { lists: ['Support'] }),
				user(3),
				user(4),
				removal(5),
				removal(6),
			],
			{ mode: 'incremental', removalPolicy: 'unsubscribe' },
		);
		await sync(
			[
				user(1, { phone: '+61400000901', firstName: 'New' }),
				user(2, { lists: ['Support'] }),
				user(3),
				user(4),
				user(7),
			],
			{
				removalPolicy: 'removeFromLists',
			},
		);
		await sync([
			user(1, { phone: '+61400000901', firstName: 'New' }),
			user(2, { lists: ['Support'] }),
			user(3),
		]);
		expect([...(await server.operations())].sort()).toEqual(
			expect.arrayContaining([
				'createContact',
				'createContactList',
				'createCustomField',
				'deleteContactById',
				'getContactListsPage',
				'getContactsPage',
				'getCustomFieldsPage',
				'modifyContactsInContactList',
				'updateContact',
			]),
		);
	});

	it('the check does catch a body the spec forbids', async () => {
		const bad = await validateRequest('POST', '/api/v1/contacts/custom-fields', {
			label: 'x',
			mergeTag: 'x',
			type: 'TEXT',
		});
		expect(bad.ok).toBe(false);
		const badChannel = await validateRequest(
			'PATCH',
			'/api/v1/contacts/contacts/00000000-0000-4000-8000-000000000001',
			{
				channels: [{ channelId: '+61400000001', type: 'EMAIL' }],
			},
		);
		expect(badChannel.ok).toBe(false);
	});
});
