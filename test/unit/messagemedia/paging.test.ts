/**
 * Reading whole collections: a read returns every record or fails, never part of the account
 * (lib/messagemedia/paging.ts). Against nock (exact pages) and against the HTTPS fake's paging switch,
 * including a full sync that must fail instead of planning on a partial read.
 */
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import {
	collectPages,
	INCOMPLETE_READ,
	type PageRequester,
} from '../../../lib/messagemedia/paging';
import { runSync } from '../../../lib/sync';
import type { RunningFakes } from '../../fakes/server';
import { startTrustedFakes } from '../fakes/helpers';
import { inputs, options, users } from '../sync/fixtures';
import {
	checkRecordedRequests,
	contact,
	list,
	recordedScope,
	type RecordedRequest,
} from './helpers';

function client() {
	return createMessageMediaClient(
		{ apiKey: 'key-1', apiSecret: 'secret-1', region: 'apac' },
		{ retry: { sleep: async () => undefined } },
	);
}

const incomplete = (message: RegExp) =>
	expect.objectContaining({ code: INCOMPLETE_READ, message: expect.stringMatching(message) });

describe('case 9: paging against exact pages', () => {
	const requests: RecordedRequest[] = [];
	afterEach(async () => await checkRecordedRequests(requests));

	it('case 9: an empty page that still carries a nextPageToken does not end the contact read', async () => {
		const [a, b, c] = [contact(), contact(), contact()];
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000' })
			.reply(200, { content: [a, b], nextPageToken: 't2', totalElements: 3 })
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000', nextPageToken: 't2' })
			.reply(200, { content: [], nextPageToken: 't3', totalElements: 3 })
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000', nextPageToken: 't3' })
			.reply(200, { content: [c], totalElements: 3 });
		expect((await client().listContacts()).map((x) => x.id)).toEqual([a.id, b.id, c.id]);
	});

	it('case 9: lists and custom fields page past an empty page too', async () => {
		const field = {
			id: contact().id,
			accountId: 'a',
			vendorId: 'v',
			label: 'Entra Object ID',
			mergeTag: 'entra_object_id',
			maxLength: 36,
			type: 'TEXT',
			createdDate: '2026-01-01T00:00:00.000Z',
			lastModifiedDate: '2026-01-01T00:00:00.000Z',
		};
		const sales = list({ name: 'Sales' });
		recordedScope(requests)
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '1000' })
			.reply(200, { content: [], nextPageToken: 'l2', totalElements: 1 })
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '1000', nextPageToken: 'l2' })
			.reply(200, { content: [sales], totalElements: 1 })
			.get('/api/v1/contacts/custom-fields')
			.query({ pageSize: '1000' })
			.reply(200, { content: [], nextPageToken: 'f2', totalElements: 1 })
			.get('/api/v1/contacts/custom-fields')
			.query({ pageSize: '1000', nextPageToken: 'f2' })
			.reply(200, { content: [field], totalElements: 1 });
		const c = client();
		expect(await c.listLists()).toEqual([sales]);
		expect(await c.listCustomFields()).toEqual([field]);
	});

	it('case 9: pages that end short of totalElements fail the read', async () => {
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000' })
			.reply(200, { content: [contact(), contact()], totalElements: 5 });
		await expect(client().listContacts()).rejects.toEqual(
			incomplete(/ended after 2 records .* totalElements 5/),
		);
	});

	it('case 9: a page token seen before fails the read instead of returning what was read', async () => {
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000' })
			.reply(200, { content: [contact()], nextPageToken: 'same' })
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '1000', nextPageToken: 'same' })
			.reply(200, { content: [contact()], nextPageToken: 'same' });
		await expect(client().listContacts()).rejects.toEqual(incomplete(/already used/));
		expect(requests).toHaveLength(2);
	});

	it('case 9: a limited read (Get Many) may stop early, but not short of totalElements', async () => {
		recordedScope(requests)
			.get('/api/v1/contacts/contacts')
			.query({ pageSize: '2' })
			.reply(200, { content: [contact(), contact()], nextPageToken: 'n2', totalElements: 9 })
			.get('/api/v1/contacts/lists')
			.query({ pageSize: '5' })
			.reply(200, { content: [list()], totalElements: 4 });
		const c = client();
		expect(await c.listContacts({}, { limit: 2 })).toHaveLength(2);
		await expect(c.listLists({}, { limit: 5 })).rejects.toEqual(incomplete(/totalElements 4/));
	});
});

describe('case 9: the page cap', () => {
	it('case 9: a server that never stops paging fails the read after the cap, not silently', async () => {
		let served = 0;
		const endless: PageRequester = {
			request: async <T>() => ({
				status: 200,
				body: { content: [{ n: ++served }], nextPageToken: `t${served}` } as T,
			}),
		};
		await expect(
			collectPages(endless, '/api/v1/contacts/contacts', {}, 1000, Infinity, 50),
		).rejects.toEqual(incomplete(/after 50 pages \(50 records\)/));
		expect(served).toBe(50);
	});
});

describe('case 9: the HTTPS fake serving misbehaving pages', () => {
	let fakes: RunningFakes;
	const KEY = 'PAGINGKEY0000000001';
	const SECRET = 'PAGINGSECRET00000000001';
	const fakeClient = () =>
		createMessageMediaClient(
			{ apiKey: KEY, apiSecret: SECRET, region: 'custom', baseUrl: fakes.url },
			{ retry: { sleep: async () => undefined } },
		);
	const writes = () =>
		fakes.state.log.entries.filter((e) => e.service === 'messagemedia' && e.method !== 'GET');
	const sync = async (count: number) =>
		await runSync(fakeClient(), inputs(users(count)), options({ mode: 'full' }));

	beforeEach(async () => {
		fakes = await startTrustedFakes({
			seed: { messagemedia: { accounts: [{ apiKey: KEY, apiSecret: SECRET }] } },
			messageMediaMaxPageSize: 10,
		});
		// A first full sync links 25 contacts (three pages of at most 10).
		const first = await sync(25);
		expect(first.summary.counts.created).toBe(25);
		fakes.state.log.reset();
	});
	afterEach(async () => await fakes.close());

	it('case 9: with empty pages between the pages, a full sync reads every contact and changes nothing', async () => {
		fakes.state.updateConfig({ messageMediaPaging: 'emptyPages' });
		const again = await sync(25);
		expect(again.summary.counts).toMatchObject({ created: 0, unchanged: 25 });
		expect(writes()).toEqual([]);
		expect((fakes.state.messagemediaView()[0].contacts as unknown[]).length).toBe(25);
	});

	it('case 9: a full sync given a truncated read fails instead of creating a duplicate', async () => {
		fakes.state.updateConfig({ messageMediaPaging: 'truncated' });
		await expect(sync(25)).rejects.toEqual(
			incomplete(/ended after 10 records .* totalElements 25/),
		);
		expect(writes()).toEqual([]);
		expect((fakes.state.messagemediaView()[0].contacts as unknown[]).length).toBe(25);
	});

	it('case 9: a full sync against looping pages fails and writes nothing', async () => {
		fakes.state.updateConfig({ messageMediaPaging: 'loop' });
		await expect(sync(25)).rejects.toEqual(incomplete(/already used/));
		expect(writes()).toEqual([]);
	});
});
