/**
 * The fake MessageMedia's switches for behaviour the vendor leaves open or a real service may show:
 * how a contact PATCH reads `channels` / `customFields` (`messageMediaPatchArrays`) and how pages
 * misbehave (`messageMediaPaging`, `messageMediaMaxPageSize`); set by option, admin API, CLI flag or
 * environment variable.
 */
import { parseArgs } from '../../fakes/cli';
import type { RunningFakes } from '../../fakes/server';
import type { FakeOptions } from '../../fakes/types';
import { basicAuth, call, startMessageMediaFakes } from './helpers';

const KEY = 'SWITCHKEY0000000001';
const SECRET = 'SWITCHSECRET00000000001';
const FIELD_LINK = '0f000000-0000-4000-8000-0000000000a1';
const FIELD_NOTE = '0f000000-0000-4000-8000-0000000000a2';
const CONTACT = '0c000000-0000-4000-8000-0000000000c1';

let fakes: RunningFakes;

async function start(options: FakeOptions = {}): Promise<void> {
	fakes = await startMessageMediaFakes(
		[
			{
				apiKey: KEY,
				apiSecret: SECRET,
				customFields: [
					{
						id: FIELD_LINK,
						label: 'Entra Object ID',
						mergeTag: 'entra_object_id',
						maxLength: 36,
						type: 'TEXT',
					},
					{ id: FIELD_NOTE, label: 'Desk', mergeTag: 'desk', maxLength: 20, type: 'TEXT' },
				],
				contacts: [
					{
						id: CONTACT,
						channels: [
							{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
							{ channelId: '+61491570199', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
						],
						customFields: { entra_object_id: 'user-1', desk: 'L2' },
					},
				],
			},
		],
		options,
	);
}

afterEach(async () => await fakes.close());

const mm = (path: string, init: { method?: string; body?: object } = {}) =>
	call(`${fakes.url}/api/v1/contacts${path}`, { ...init, headers: basicAuth(KEY, SECRET) });
const admin = (path: string, init: { method?: string; body?: object } = {}) =>
	call(`${fakes.url}/_admin${path}`, init);
const patch = (body: object) => mm(`/contacts/${CONTACT}`, { method: 'PATCH', body });
const fieldValues = (contact: { customFields: Array<{ mergeTag: string; value: string }> }) =>
	contact.customFields.map((f) => [f.mergeTag, f.value]);

describe('fake MessageMedia: PATCH readings of channels and customFields', () => {
	it("'replace' (the default): the sent channels become the set (state defaulted); custom field values set by id, others kept", async () => {
		await start();
		expect((await admin('/config')).json.messageMediaPatchArrays).toBe('replace');
		const changed = await patch({
			channels: [{ channelId: '+61491570157', type: 'SMS' }],
			customFields: [{ id: FIELD_NOTE, value: 'L3' }],
		});
		expect(changed.status).toBe(200);
		expect(changed.json.channels).toEqual([
			{ channelId: '+61491570157', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
		expect(fieldValues(changed.json)).toEqual([
			['entra_object_id', 'user-1'],
			['desk', 'L3'],
		]);
		// The channels dropped are free for another contact.
		expect(
			(
				await mm('/contacts', {
					method: 'POST',
					body: { channels: [{ channelId: '+61491570156', type: 'SMS' }] },
				})
			).status,
		).toBe(201);
	});

	it("'merge': sent channels are upserted by type + channelId and none removed; a sent state changes only that channel", async () => {
		await start({ messageMediaPatchArrays: 'merge' });
		const added = await patch({ channels: [{ channelId: '+61491570157', type: 'SMS' }] });
		expect(added.json.channels).toEqual([
			{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			{ channelId: '+61491570199', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
			{ channelId: '+61491570157', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
		// Re-sending a known channel without a state keeps its state (no silent re-subscription).
		const resent = await patch({ channels: [{ channelId: '+61491570156', type: 'SMS' }] });
		expect(resent.json.channels[0]).toEqual({
			channelId: '+61491570156',
			type: 'SMS',
			subscriptionState: 'UNSUBSCRIBED',
		});
		const stateSent = await patch({
			channels: [{ channelId: '+61491570157', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
		});
		expect(
			stateSent.json.channels.map((c: { subscriptionState: string }) => c.subscriptionState),
		).toEqual(['UNSUBSCRIBED', 'SUBSCRIBED', 'UNSUBSCRIBED']);
		const fields = await patch({ customFields: [{ id: FIELD_NOTE, value: 'L9' }] });
		expect(fieldValues(fields.json)).toEqual([
			['entra_object_id', 'user-1'],
			['desk', 'L9'],
		]);
	});

	it("'replaceAll': the sent custom field values replace the stored ones (an unsent field loses its value)", async () => {
		await start({ messageMediaPatchArrays: 'replaceAll' });
		const changed = await patch({ customFields: [{ id: FIELD_NOTE, value: 'L3' }] });
		expect(fieldValues(changed.json)).toEqual([['desk', 'L3']]);
		expect((await patch({ firstName: 'Ada' })).json.customFields).toHaveLength(1);
		expect(
			(await patch({ customFields: [{ id: FIELD_NOTE, value: '' }] })).json.customFields,
		).toEqual([]);
		const channels = await patch({ channels: [{ channelId: '+61491570157', type: 'SMS' }] });
		expect(channels.json.channels).toEqual([
			{ channelId: '+61491570157', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
	});

	it("'merge' keeps the one-contact-per-number rule: a merged channel another contact holds → 409, nothing changed", async () => {
		await start({ messageMediaPatchArrays: 'merge' });
		expect(
			(
				await mm('/contacts', {
					method: 'POST',
					body: { channels: [{ channelId: '+61491570160', type: 'SMS' }] },
				})
			).status,
		).toBe(201);
		const clash = await patch({ channels: [{ channelId: '+61491570160', type: 'SMS' }] });
		expect(clash.status).toBe(409);
		expect((await mm(`/contacts/${CONTACT}`)).json.channels).toHaveLength(2);
	});

	it('switches at run time through the admin API and refuses unknown readings', async () => {
		await start();
		expect(
			(await admin('/config', { method: 'PATCH', body: { messageMediaPatchArrays: 'merge' } })).json
				.messageMediaPatchArrays,
		).toBe('merge');
		expect(
			(await patch({ channels: [{ channelId: '+61491570157', type: 'SMS' }] })).json.channels,
		).toHaveLength(3);
		const refused = await admin('/config', {
			method: 'PATCH',
			body: { messageMediaPatchArrays: 'append' },
		});
		expect(refused.status).toBe(400);
		expect(refused.json.error).toContain('replace, merge, replaceAll');
		expect((await admin('/config')).json.messageMediaPatchArrays).toBe('merge');
	});
});

describe('fake MessageMedia: misbehaving pages', () => {
	async function seedContacts(count: number): Promise<void> {
		for (let i = 0; i < count; i++) {
			expect(
				(
					await mm('/contacts', {
						method: 'POST',
						body: { channels: [{ channelId: `+6149157${String(2000 + i)}`, type: 'SMS' }] },
					})
				).status,
			).toBe(201);
		}
	}

	async function readAll(): Promise<{
		pages: Array<{ size: number; token?: string; total: number }>;
		ids: string[];
	}> {
		const pages: Array<{ size: number; token?: string; total: number }> = [];
		const ids: string[] = [];
		let token: string | undefined;
		do {
			const page = await mm(
				`/contacts?pageSize=1000${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`,
			);
			expect(page.status).toBe(200);
			pages.push({
				size: page.json.content.length,
				token: page.json.nextPageToken,
				total: page.json.totalElements,
			});
			ids.push(...page.json.content.map((c: { id: string }) => c.id));
			token = page.json.nextPageToken;
		} while (token && pages.length < 10);
		return { pages, ids };
	}

	it('messageMediaMaxPageSize caps a page below the pageSize asked for', async () => {
		await start({ messageMediaMaxPageSize: 4 });
		await seedContacts(9);
		const { pages, ids } = await readAll();
		expect(pages.map((p) => p.size)).toEqual([4, 4, 2]);
		expect(new Set(ids).size).toBe(10);
	});

	it('emptyPages: an empty page with a nextPageToken comes between the pages; following it reads everything', async () => {
		await start({ messageMediaMaxPageSize: 4, messageMediaPaging: 'emptyPages' });
		await seedContacts(5);
		const { pages, ids } = await readAll();
		expect(pages.map((p) => p.size)).toEqual([4, 0, 2]);
		expect(pages[1].token).toBeDefined();
		expect(pages.every((p) => p.total === 6)).toBe(true);
		expect(new Set(ids).size).toBe(6);
	});

	it('truncated: the first page has no nextPageToken although totalElements says there are more', async () => {
		await start({ messageMediaMaxPageSize: 4 });
		await seedContacts(5);
		await admin('/config', { method: 'PATCH', body: { messageMediaPaging: 'truncated' } });
		const { pages } = await readAll();
		expect(pages).toEqual([{ size: 4, token: undefined, total: 6 }]);
	});

	it('loop: the second page hands out its own token again', async () => {
		await start({ messageMediaMaxPageSize: 4, messageMediaPaging: 'loop' });
		await seedContacts(5);
		const { pages } = await readAll();
		expect(pages[1].token).toBe(pages[0].token);
		expect(pages[2].token).toBe(pages[0].token);
	});

	it('refuses an unknown paging mode', async () => {
		await start();
		expect(
			(await admin('/config', { method: 'PATCH', body: { messageMediaPaging: 'sometimes' } }))
				.status,
		).toBe(400);
	});
});

describe('fakes command line: the switches', () => {
	it('takes --patch-arrays and --messagemedia-paging, or the environment variables when the flags are absent', () => {
		expect(
			parseArgs(['--patch-arrays', 'merge', '--messagemedia-paging', 'emptyPages']),
		).toMatchObject({ patchArrays: 'merge', messageMediaPaging: 'emptyPages' });
		const env = {
			ENTRA_SYNC_FAKE_PATCH_ARRAYS: 'merge',
			ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING: 'truncated',
		};
		expect(parseArgs([], env)).toMatchObject({
			patchArrays: 'merge',
			messageMediaPaging: 'truncated',
		});
		expect(parseArgs(['--patch-arrays', 'replace'], env)).toMatchObject({ patchArrays: 'replace' });
		expect(() => parseArgs(['--patch-arrays', 'append'])).toThrow(
			'--patch-arrays must be one of replace, merge, replaceAll',
		);
		expect(() => parseArgs([], { ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING: 'x' })).toThrow(
			'ENTRA_SYNC_FAKE_MESSAGEMEDIA_PAGING must be one of',
		);
	});
});
