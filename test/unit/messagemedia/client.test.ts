import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import { validateResponse } from '../../support/openapi';
import {
	checkRecordedRequests,
	contact,
	list,
	recordedScope,
	uuid,
	type RecordedRequest,
} from './helpers';

function client() {
	return createMessageMediaClient(
		{ apiKey: 'key-1', apiSecret: 'secret-1', region: 'apac' },
		{ retry: { sleep: async () => undefined } },
	);
}

describe('MessageMedia client', () => {
	const requests: RecordedRequest[] = [];
	afterEach(async () => await checkRecordedRequests(requests));

	it('pages with pageSize 1000 following nextPageToken until it is absent', async () => {
		const pages = [
			{ content: [contact(), contact()], nextPageToken: 'tok-2', totalElements: 5 },
			{ content: [contact(), contact()], nextPageToken: 'tok-3', totalElements: 5 },
			{ content: [contact()], totalElements: 5 },
		];
		for (const page of pages)
			expect(await validateResponse('GET', '/api/v1/contacts/contacts', 200, page)).toMatchObject({
				ok: true,
			});
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000' })
			.reply(200, pages[0])
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000', nextPageToken: 'tok-2' })
			.reply(200, pages[1])
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000', nextPageToken: 'tok-3' })
			.reply(200, pages[2]);

		const contacts = await client().listContacts();
		expect(contacts.map((c) => c.id)).toEqual(pages.flatMap((p) => p.content.map((c) => c.id)));
	});

	it('stops on an empty nextPageToken; honours limit', async () => {
		recordedScope(requests)
			.get('/api/v1/contacts/lists')
			.query(true)
			.reply(200, { content: [list()], nextPageToken: '', totalElements: 1 })
			.get('/api/v1/contacts/custom-fields')
			.query(true)
			.reply(200, { content: [], totalElements: 0 })
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '3' })
			.reply(200, { content: [contact(), contact()], nextPageToken: 'n2', totalElements: 9 })
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '3', nextPageToken: 'n2' })
			.reply(200, {
				content: [contact(), contact(), contact()],
				nextPageToken: 'n3',
				totalElements: 9,
			});

		const c = client();
		expect(await c.listLists()).toHaveLength(1);
		expect(await c.listCustomFields()).toHaveLength(0);
		expect(await c.listContacts({}, { limit: 3 })).toHaveLength(3);
	});

	it('sends array filters as repeated keys', async () => {
		const [a, b] = [uuid(), uuid()];
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query(true)
			.reply(200, { content: [], totalElements: 0 });
		await client().listContacts(
			{ listIds: [a, b], channelSubscriptionState: 'SUBSCRIBED' },
			{ pageSize: 200 },
		);
		expect(requests[0].path).toBe(
			`/api/v1/contacts/contacts?listIds=${a}&listIds=${b}&channelSubscriptionState=SUBSCRIBED&pageSize=200`,
		);
	});

	it('finds contacts by phone in chunks of 50 numbers, SMS channels only', async () => {
		const phones = Array.from({ length: 120 }, (_, i) => `+614915${String(i).padStart(5, '0')}`);
		const found = contact({ channels: [{ channelId: phones[7], type: 'SMS' }] });
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query(true)
			.reply(200, { content: [found], totalElements: 1 })
			.get('/api/v1/contacts/contacts')
			.query(true)
			.times(2)
			.reply(200, { content: [], totalElements: 0 });

		const result = await client().findContactsByPhone([...phones, phones[0]]);
		expect(result).toEqual([found]);
		expect(requests).toHaveLength(3);
		const chunks = requests.map((r) => new URL(r.path, 'http://x').searchParams);
		expect(chunks.map((q) => q.getAll('channelIds').length)).toEqual([50, 50, 20]);
		expect(chunks.every((q) => q.getAll('channelTypes').join() === 'SMS')).toBe(true);
		expect(chunks[0].getAll('channelIds')[0]).toBe('+61491500000');
	});

	it('creates (201), updates (200) and deletes (204) contacts', async () => {
		const created = contact();
		for (const [status, body] of [
			[201, created],
			[200, created],
		] as const) {
			expect(
				await validateResponse(
					status === 201 ? 'POST' : 'PATCH',
					status === 201 ? '/api/v1/contacts/contacts' : `/api/v1/contacts/contacts/${created.id}`,
					status,
					body,
				),
			).toMatchObject({ ok: true });
		}
		recordedScope(requests)
			.post('/api/v1/contacts/contacts')
			.reply(201, created)
			.patch(`/api/v1/contacts/contacts/${created.id}`)
			.reply(200, { ...created, note: 'n' })
			.delete(`/api/v1/contacts/contacts/${created.id}`)
			.reply(204);

		const c = client();
		await expect(
			c.createContact({
				firstName: 'Ada',
				channels: [{ channelId: '+61491570156', type: 'SMS' }],
				lists: [{ id: uuid() }],
				customFields: [{ id: uuid(), value: 'x' }],
			}),
		).resolves.toEqual(created);
		await expect(c.updateContact(created.id, { note: 'n' })).resolves.toMatchObject({ note: 'n' });
		await expect(c.deleteContact(created.id)).resolves.toBeUndefined();
		expect(c.stats).toEqual({ total: 3, byMethod: { POST: 1, PATCH: 1, DELETE: 1 }, retries: 0 });
	});

	it('creates lists and custom fields', async () => {
		recordedScope(requests)
			.post('/api/v1/contacts/lists')
			.reply(201, list({ name: 'Sales' }))
			.post('/api/v1/contacts/custom-fields')
			.reply(201, {
				id: uuid(),
				accountId: 'a',
				vendorId: 'v',
				label: 'Entra object id',
				mergeTag: 'entra_id',
				maxLength: 64,
				type: 'TEXT',
				createdDate: '2026-01-01T00:00:00.000Z',
				lastModifiedDate: '2026-01-01T00:00:00.000Z',
			});
		const c = client();
		await expect(c.createList({ name: 'Sales', alias: 'sales' })).resolves.toMatchObject({
			name: 'Sales',
		});
		await expect(
			c.createCustomField({
				label: 'Entra object id',
				mergeTag: 'entra_id',
				maxLength: 64,
				type: 'TEXT',
			}),
		).resolves.toMatchObject({ mergeTag: 'entra_id' });
	});

	it('adds 2500 contacts to a list in 3 requests of at most 1000 ids', async () => {
		const ids = Array.from({ length: 2500 }, () => uuid());
		const listId = uuid();
		recordedScope(requests)
			.patch(`/api/v1/contacts/lists/${listId}/contacts`)
			.times(3)
			.reply(200, list({ id: listId }));

		await client().modifyListMembers(listId, { add: ids });
		expect(requests).toHaveLength(3);
		const bodies = requests.map(
			(r) => r.body as { contactsToAddIds: string[]; contactsToRemoveIds?: string[] },
		);
		expect(bodies.map((b) => b.contactsToAddIds.length)).toEqual([1000, 1000, 500]);
		expect(bodies.flatMap((b) => b.contactsToAddIds)).toEqual(ids);
		expect(bodies.every((b) => b.contactsToRemoveIds === undefined)).toBe(true);
	});

	it('removes 2500 contacts from a list in 3 requests, pairing additions and removals', async () => {
		const remove = Array.from({ length: 2500 }, () => uuid());
		const add = Array.from({ length: 10 }, () => uuid());
		const listId = uuid();
		recordedScope(requests)
			.patch(`/api/v1/contacts/lists/${listId}/contacts`)
			.times(3)
			.reply(200, list({ id: listId }));

		await client().modifyListMembers(listId, { add, remove });
		const bodies = requests.map(
			(r) => r.body as { contactsToAddIds?: string[]; contactsToRemoveIds: string[] },
		);
		expect(bodies.map((b) => b.contactsToRemoveIds.length)).toEqual([1000, 1000, 500]);
		expect(bodies.map((b) => b.contactsToAddIds?.length)).toEqual([10, undefined, undefined]);
	});

	it('makes no request for an empty membership change', async () => {
		await client().modifyListMembers(uuid(), { add: [], remove: [] });
		expect(requests).toHaveLength(0);
	});
});
