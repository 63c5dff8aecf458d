/**
 * The sync engine end to end against an in-memory MessageMedia, under each reading of PATCH arrays
 * (the real-client versions of the request-level checks are in http.test.ts).
 */

import { runSync, type SyncOutcome } from '../../../lib/sync';
import { validateRequest } from '../../support/openapi';
import { MemoryMessageMedia, PATCH_READINGS, type PatchArrays } from './memoryClient';
import { guid, inputs, noSleep, options, phoneOf, removal, user, users } from './fixtures';

/** How the in-memory account applies `channels` and `customFields` in a PATCH (both readings run). */
let reading: PatchArrays = 'replace';

const LINK = 'Entra Object ID';

/**
 * Runs a sync against `mm` with its log reset first, so `mm.log` holds this run's requests; every write
 * body of the run must satisfy the vendor OpenAPI.
 */
async function sync(
	mm: MemoryMessageMedia,
	items: unknown[],
	overrides: Parameters<typeof options>[0] = {},
) {
	mm.resetLog();
	const result = await runSync(mm, inputs(items), options(overrides), noSleep);
	for (const write of mm.writes()) {
		expect({
			write,
			errors: (await validateRequest(write.method, write.path, write.body)).errors,
		}).toEqual({ write, errors: [] });
	}
	return result;
}

function byAction(outcomes: SyncOutcome[], action: SyncOutcome['action']): SyncOutcome[] {
	return outcomes.filter((o) => o.action === action);
}

describe.each(PATCH_READINGS)('PATCH arrays: %s', (patchArrays) => {
	beforeAll(() => {
		reading = patchArrays;
	});

	describe('full sync from empty', () => {
		it('creates N contacts with their lists (each list once) and the link field, in the minimum of requests', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const N = 12;
			const L = 2; // Sales and Support
			const result = await sync(mm, users(N));

			// 1 custom-field page + 1 list page + 1 contact page + 1 opt-out list check (50 numbers a request)
			// + link, email and ownership record field creates + L list creates + N contact creates
			// (new contacts join their lists on create: no list PATCH).
			expect(mm.log).toHaveLength(3 + 1 + 3 + L + N);
			expect(result.summary.requests).toEqual({
				total: 4 + 3 + L + N,
				byMethod: { GET: 4, POST: 3 + L + N },
				retries: 0,
			});
			expect(mm.count('POST', '/api/v1/contacts/custom-fields')).toBe(3);
			expect(mm.count('POST', '/api/v1/contacts/lists')).toBe(L);
			expect(mm.count('PATCH')).toBe(0);

			expect(result.summary.counts.created).toBe(N);
			expect([...mm.lists.values()].map((l) => l.name).sort()).toEqual(['Sales', 'Support']);
			expect(result.summary.listsCreated.sort()).toEqual(['Sales', 'Support']);
			expect(result.summary.fieldsCreated.sort()).toEqual(['Email', LINK, 'Entra Sync State']);
			const link = [...mm.fields.values()].find((f) => f.label === LINK);
			expect(link).toMatchObject({ mergeTag: 'entra_object_id', type: 'TEXT' });
			expect(link?.maxLength).toBeGreaterThanOrEqual(36);
			expect([...mm.fields.values()].find((f) => f.label === 'Email')).toMatchObject({
				mergeTag: 'email',
				type: 'EMAIL',
			});

			for (let n = 1; n <= N; n++) {
				const [contact] = mm.byPhone(phoneOf(n));
				expect(mm.fieldValue(contact, LINK)).toBe(guid(n));
				expect(mm.fieldValue(contact, 'Email')).toBe(`user${n}@example.com`);
				expect(contact.lists.map((l) => l.name)).toEqual([n % 2 === 0 ? 'Sales' : 'Support']);
				expect(contact.channels).toEqual([
					{ channelId: phoneOf(n), type: 'SMS', subscriptionState: 'SUBSCRIBED' },
				]);
				expect(result.outcomes[n - 1]).toMatchObject({
					sourceId: guid(n),
					action: 'created',
					contactId: contact.id,
					itemIndex: n - 1,
				});
			}
		});
	});

	describe('the same input again', () => {
		it('sends zero POST/PATCH/DELETE and reports every contact unchanged', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(12));
			const again = await sync(mm, users(12));
			expect(mm.writes()).toEqual([]);
			expect(mm.log.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
			expect(again.summary.counts.unchanged).toBe(12);
			expect(again.summary.requests.byMethod).toEqual({ GET: 3 });
		});

		it('also in incremental mode, found by number without reading all contacts', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(12));
			const again = await sync(mm, users(12), { mode: 'incremental' });
			expect(mm.writes()).toEqual([]);
			expect(again.summary.lookup).toBe('phone');
			expect(again.summary.counts.unchanged).toBe(12);
			// custom fields, lists, one channelIds look-up: never a page through all contacts
			expect(mm.log).toHaveLength(3);
			expect(mm.log[2].query).toMatchObject({ channelIds: users(12).map((u) => u.contact?.phone) });
		});
	});

	describe('changes', () => {
		it('a phone change PATCHes the same contact (no duplicate) and keeps its subscription state and other channels', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(3));
			const [before] = mm.byPhone(phoneOf(2));
			// the person opted out by SMS meanwhile, and has a WhatsApp channel
			await mm.updateContact(before.id, {
				channels: [
					{ channelId: phoneOf(2), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
					{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
				],
			});
			const result = await sync(mm, [user(1), user(2, { phone: '+61400000777' }), user(3)]);

			const record = [...mm.fields.values()].find((f) => f.label === 'Entra Sync State')?.id;
			expect(mm.writes()).toEqual([
				// The opted-out old number goes on the account's opt-out list before it leaves the contact.
				{
					method: 'POST',
					path: '/v1/number_authorisation/mt/blacklist',
					body: { numbers: [phoneOf(2)] },
				},
				{
					method: 'PATCH',
					path: `/api/v1/contacts/contacts/${before.id}`,
					body: {
						channels: [
							{ channelId: '+61400000777', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
							{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
						],
						// Every stored custom field value goes with the change (the record now names the new number).
						customFields: expect.arrayContaining([
							{
								id: record,
								value: expect.stringMatching(/^s1;p=\+61400000777;l=[0-9a-f]{8};t=\d+$/),
							},
							{ id: expect.any(String), value: 'user2@example.com' },
							{ id: expect.any(String), value: guid(2) },
						]),
					},
				},
			]);
			expect(mm.contacts.size).toBe(3);
			expect(mm.optedOut.has(phoneOf(2))).toBe(true);
			expect(result.outcomes[1]).toMatchObject({
				action: 'updated',
				contactId: before.id,
				changes: { phone: { from: phoneOf(2), to: '+61400000777' } },
			});
			// Under the merge reading the service keeps the old channel: reported, not taken as written.
			expect(result.outcomes[1].diverged === undefined).toBe(reading !== 'merge');
		});

		it('a department change moves membership between managed lists through the bulk endpoint and keeps a hand-added list', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(4)); // 1,3 Support; 2,4 Sales
			const vip = mm.seedList('VIP');
			const [contact] = mm.byPhone(phoneOf(2));
			await mm.modifyListMembers(vip.id, { add: [contact.id] });

			const result = await sync(mm, [user(1), user(2, { lists: ['Support'] }), user(3), user(4)]);
			const sales = [...mm.lists.values()].find((l) => l.name === 'Sales')?.id;
			const support = [...mm.lists.values()].find((l) => l.name === 'Support')?.id;
			expect(mm.writes()).toEqual(
				expect.arrayContaining([
					{
						method: 'PATCH',
						path: `/api/v1/contacts/lists/${support}/contacts`,
						body: { contactsToAddIds: [contact.id] },
					},
					{
						method: 'PATCH',
						path: `/api/v1/contacts/lists/${sales}/contacts`,
						body: { contactsToRemoveIds: [contact.id] },
					},
				]),
			);
			// The bulk changes, and one contact PATCH: the ownership record now claims Support, not Sales.
			expect(mm.writes()).toHaveLength(3);
			expect(mm.fieldValue(mm.byPhone(phoneOf(2))[0], 'Entra Sync State')).toMatch(
				/^s1;p=\+614\d+;l=[0-9a-f]{8};t=\d+$/,
			);
			expect(
				mm
					.byPhone(phoneOf(2))[0]
					.lists.map((l) => l.name)
					.sort(),
			).toEqual(['Support', 'VIP']);
			expect(result.outcomes[1]).toMatchObject({
				action: 'updated',
				lists: { added: ['Support'], removed: ['Sales'] },
			});
		});

		it('batches membership changes of many contacts into one request per list', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(40));
			// everyone moves to Support, Sales stays managed through the option
			// 20 of 40 memberships taken away is above the guard's threshold: approved for this run.
			await sync(
				mm,
				users(40).map((u) => ({ ...u, contact: { ...u.contact, lists: ['Support'] } })),
				{ allowMassRemoval: true },
			);
			const sales = [...mm.lists.values()].find((l) => l.name === 'Sales')?.id;
			const support = [...mm.lists.values()].find((l) => l.name === 'Support')?.id;
			const evens = users(40)
				.filter((_, i) => i % 2 === 1)
				.map((u) => mm.byPhone(u.contact?.phone as string)[0].id);
			const lists = mm.writes().filter((w) => w.path.startsWith('/api/v1/contacts/lists/'));
			// Removals first (before the records stop claiming them), additions last.
			expect(lists).toEqual([
				{
					method: 'PATCH',
					path: `/api/v1/contacts/lists/${sales}/contacts`,
					body: { contactsToRemoveIds: expect.arrayContaining(evens) },
				},
				{
					method: 'PATCH',
					path: `/api/v1/contacts/lists/${support}/contacts`,
					body: { contactsToAddIds: expect.arrayContaining(evens) },
				},
			]);
			expect((lists[1].body as { contactsToAddIds: string[] }).contactsToAddIds).toHaveLength(20);
			expect(mm.count('PATCH', '/api/v1/contacts/contacts/')).toBe(20); // each mover's ownership record
			expect(mm.all().every((c) => c.lists.map((l) => l.name).join() === 'Support')).toBe(true);
		});

		it('a removed user is deleted under policy "delete" (full run: absent from the input)', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(10));
			const [gone] = mm.byPhone(phoneOf(4));
			const result = await sync(
				mm,
				users(10).filter((u) => u.sourceId !== guid(4)),
			);
			expect(mm.writes()).toEqual([
				{ method: 'DELETE', path: `/api/v1/contacts/contacts/${gone.id}` },
			]);
			expect(mm.contacts.has(gone.id)).toBe(false);
			expect(byAction(result.outcomes, 'removed')).toEqual([
				{
					sourceId: guid(4),
					action: 'removed',
					contactId: gone.id,
					phone: phoneOf(4),
					reason: 'absent from the directory read',
				},
			]);
		});

		it('a removed user is taken off the managed lists only under policy "removeFromLists"', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(10));
			const vip = mm.seedList('VIP');
			const [gone] = mm.byPhone(phoneOf(4));
			await mm.modifyListMembers(vip.id, { add: [gone.id] });
			const result = await sync(
				mm,
				[...users(10).filter((u) => u.sourceId !== guid(4)), removal(4, 'disabled')],
				{
					removalPolicy: 'removeFromLists',
					mode: 'incremental',
				},
			);
			const sales = [...mm.lists.values()].find((l) => l.name === 'Sales')?.id;
			expect(mm.writes()).toEqual([
				{
					method: 'PATCH',
					path: `/api/v1/contacts/lists/${sales}/contacts`,
					body: { contactsToRemoveIds: [gone.id] },
				},
				// The record no longer claims Sales; the hand-added VIP membership was never the sync's.
				{
					method: 'PATCH',
					path: `/api/v1/contacts/contacts/${gone.id}`,
					body: {
						customFields: expect.arrayContaining([
							{
								id: expect.any(String),
								value: expect.stringMatching(new RegExp(`^s1;p=\\${phoneOf(4)};t=\\d+$`)),
							},
						]),
					},
				},
			]);
			expect(mm.byPhone(phoneOf(4))[0].lists.map((l) => l.name)).toEqual(['VIP']);
			expect(result.outcomes[9]).toMatchObject({
				action: 'removedFromLists',
				reason: 'disabled',
				lists: { added: [], removed: ['Sales'] },
			});
		});

		it('policy "unsubscribe" sets the SMS channel UNSUBSCRIBED and nothing else', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(10));
			const [gone] = mm.byPhone(phoneOf(4));
			const result = await sync(
				mm,
				users(10).filter((u) => u.sourceId !== guid(4)),
				{ removalPolicy: 'unsubscribe' },
			);
			expect(mm.writes()).toEqual([
				{
					method: 'PATCH',
					path: `/api/v1/contacts/contacts/${gone.id}`,
					// Besides the channel, only the record's snapshot time (every write carries it; the values stay).
					body: {
						channels: [{ channelId: phoneOf(4), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
						customFields: [
							{ id: expect.any(String), value: 'user4@example.com' },
							{ id: expect.any(String), value: guid(4) },
							{
								id: expect.any(String),
								value: expect.stringMatching(
									new RegExp(`^s1;p=\\${phoneOf(4)};l=[0-9a-f]{8};t=\\d+$`),
								),
							},
						],
					},
				},
			]);
			expect(byAction(result.outcomes, 'unsubscribed')).toHaveLength(1);
			// a second run has nothing to do
			await sync(
				mm,
				users(10).filter((u) => u.sourceId !== guid(4)),
				{ removalPolicy: 'unsubscribe' },
			);
			expect(mm.writes()).toEqual([]);
		});

		it('updates only the fields that differ ("" and absent are equal)', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, [user(1, { note: '', alias: undefined })]);
			const result = await sync(mm, [
				user(1, { firstName: 'Renamed', note: '', email: 'new@example.com', customFields: {} }),
			]);
			const [contact] = mm.byPhone(phoneOf(1));
			const emailField = [...mm.fields.values()].find((f) => f.label === 'Email');
			expect(mm.writes()).toEqual([
				{
					method: 'PATCH',
					path: `/api/v1/contacts/contacts/${contact.id}`,
					// The changed value, and every other value the contact holds (kept whatever the PATCH does with arrays).
					body: {
						firstName: 'Renamed',
						customFields: [
							{ id: emailField?.id, value: 'new@example.com' },
							{ id: expect.any(String), value: guid(1) },
							{ id: expect.any(String), value: expect.stringMatching(/^s1;p=/) },
						],
					},
				},
			]);
			expect(result.outcomes[0].changes).toEqual({
				firstName: { from: 'First1', to: 'Renamed' },
				Email: { from: 'user1@example.com', to: 'new@example.com' },
			});
		});
	});

	describe('ownership and consent', () => {
		it('never touches an unlinked manual contact, even one in a managed list, in a full run', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(4));
			const sales = [...mm.lists.values()].find((l) => l.name === 'Sales');
			const manual = mm.seedContact({
				firstName: 'Manual',
				channels: [{ channelId: '+61411111111', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
				lists: [{ id: sales?.id as string }],
			});
			const result = await sync(mm, users(4));
			await sync(mm, [], { allowMassRemoval: true, removalPolicy: 'removeFromLists' });
			expect(mm.contacts.has(manual.id)).toBe(true);
			expect(mm.all().find((c) => c.id === manual.id)).toEqual(manual);
			expect(result.outcomes.some((o) => o.contactId === manual.id)).toBe(false);
		});

		it('adopts an unlinked contact with the same number (link set, fields updated, no duplicate)', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const existing = mm.seedContact({
				firstName: 'Old',
				channels: [{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
			});
			const result = await sync(mm, [user(1)]);
			expect(mm.count('POST', '/api/v1/contacts/contacts')).toBe(0);
			expect(mm.contacts.size).toBe(1);
			const [adopted] = mm.byPhone(phoneOf(1));
			expect(adopted.id).toBe(existing.id);
			expect(mm.fieldValue(adopted, LINK)).toBe(guid(1));
			expect(adopted.firstName).toBe('First1');
			expect(adopted.lists.map((l) => l.name)).toEqual(['Support']);
			expect(result.outcomes[0]).toMatchObject({
				action: 'adopted',
				contactId: existing.id,
				changes: { firstName: { from: 'Old', to: 'First1' } },
			});
			// now linked: a second run has nothing to do
			await sync(mm, [user(1)]);
			expect(mm.writes()).toEqual([]);
		});

		it('with adoption off, the same-number contact is reported as a conflict and left alone', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const existing = mm.seedContact({
				firstName: 'Old',
				channels: [{ channelId: phoneOf(1), type: 'SMS' }],
			});
			const result = await sync(mm, [user(1)], { adoptExisting: false });
			expect(result.outcomes[0]).toMatchObject({ action: 'conflict', contactId: existing.id });
			expect(mm.all()).toEqual([existing]);
			expect(mm.count('POST', '/api/v1/contacts/contacts')).toBe(0);
		});

		it('an UNSUBSCRIBED channel stays UNSUBSCRIBED across adoption, updates, phone changes and removal policies', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			mm.seedContact({
				firstName: 'Opted',
				channels: [{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
			});
			const state = () =>
				mm.byPhone(mm.all()[0].channels[0].channelId)[0].channels[0].subscriptionState;
			await sync(mm, [user(1)]);
			expect(state()).toBe('UNSUBSCRIBED');
			await sync(mm, [user(1, { firstName: 'New', lists: ['Sales'] })]);
			expect(state()).toBe('UNSUBSCRIBED');
			await sync(mm, [user(1, { phone: '+61400000555' })]);
			// Under the merge reading the service keeps the old channel beside the new one: both stay UNSUBSCRIBED.
			const expected = [
				{ channelId: '+61400000555', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			];
			if (reading === 'merge')
				expected.unshift({ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' });
			expect(mm.all()[0].channels).toEqual(expected);
			for (const removalPolicy of ['unsubscribe', 'removeFromLists', 'ignore'] as const) {
				await sync(mm, [removal(1)], { mode: 'incremental', removalPolicy });
				expect(state()).toBe('UNSUBSCRIBED');
			}
			// no write ever carried SUBSCRIBED for this contact
			expect(JSON.stringify(mm.log)).not.toContain('"SUBSCRIBED"');
		});

		it('of two contacts linked to the same user keeps the one with their number and unlinks the other, deleting neither', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, [user(1)]);
			const link = [...mm.fields.values()].find((f) => f.label === LINK);
			const twin = mm.seedContact({
				firstName: 'Twin',
				channels: [{ channelId: '+61400000999', type: 'SMS' }],
				customFields: [{ id: link?.id as string, value: guid(1) }],
			});
			const result = await sync(mm, [user(1)]);
			expect(mm.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
				`PATCH /api/v1/contacts/contacts/${twin.id}`,
			]);
			expect(result.outcomes).toEqual([
				expect.objectContaining({ action: 'unchanged', contactId: mm.byPhone(phoneOf(1))[0].id }),
				expect.objectContaining({ action: 'unlinked', contactId: twin.id }),
			]);
			// The twin stays (a person's now); the next run leaves it alone.
			expect(mm.fieldValue(mm.byPhone('+61400000999')[0], LINK)).toBeUndefined();
			await sync(mm, [user(1)]);
			expect(mm.writes()).toEqual([]);
		});
	});

	describe('deletion guard', () => {
		async function hundredLinked(): Promise<MemoryMessageMedia> {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(100));
			return mm;
		}

		it('empty input in a full run with 100 linked contacts removes nothing, reports blocked and fails with the approval hint', async () => {
			const mm = await hundredLinked();
			const result = await sync(mm, [{}]); // n8n's Always Output Data placeholder
			expect(mm.writes()).toEqual([]);
			expect(mm.contacts.size).toBe(100);
			expect(result.guardFailure).toMatch(/Allow Removals Above Threshold/);
			expect(result.guardFailure).toMatch(/Max Removal Percent/);
			expect(result.summary.guard).toMatchObject({
				status: 'tripped',
				removals: 100,
				linked: 100,
				threshold: 10,
			});
			expect(result.summary.counts.blocked).toBe(100);
			expect(result.summary.error).toBe(result.guardFailure);
		});

		it('with continueWithoutRemovals the run succeeds, creates and updates happen and removals are blocked', async () => {
			const mm = await hundredLinked();
			const kept = users(100).slice(0, 50);
			const result = await sync(
				mm,
				[...kept.slice(0, 49), user(50, { firstName: 'Changed' }), user(500)],
				{ continueWithoutRemovals: true },
			);
			expect(result.guardFailure).toBeUndefined();
			expect(result.summary.counts).toMatchObject({
				blocked: 50,
				created: 1,
				updated: 1,
				unchanged: 49,
				removed: 0,
			});
			expect(mm.count('DELETE')).toBe(0);
			expect(mm.contacts.size).toBe(101);
			expect(byAction(result.outcomes, 'blocked')[0].reason).toMatch(
				/^Deletion guard: would be removed/,
			);
		});

		it('without any override, a tripped guard writes nothing at all, not even creates', async () => {
			const mm = await hundredLinked();
			const result = await sync(mm, [...users(50), user(500)]);
			expect(result.guardFailure).toBeDefined();
			expect(mm.writes()).toEqual([]);
			expect(result.outcomes.find((o) => o.sourceId === guid(500))).toMatchObject({
				action: 'skipped',
			});
		});

		it('"Allow Removals Above Threshold" approves the removals for the run', async () => {
			const mm = await hundredLinked();
			const result = await sync(mm, users(50), { allowMassRemoval: true });
			expect(result.summary.guard.status).toBe('overridden');
			expect(mm.count('DELETE')).toBe(50);
			expect(mm.contacts.size).toBe(50);
		});

		it('up to the threshold (10% of 100 = 10) removals go through; 11 trip the guard', async () => {
			const mm = await hundredLinked();
			const ten = await runSync(mm, inputs(users(90)), options({ dryRun: true }));
			expect(ten.summary.guard).toMatchObject({ status: 'ok', removals: 10 });
			const eleven = await runSync(mm, inputs(users(89)), options({ dryRun: true }));
			expect(eleven.summary.guard).toMatchObject({ status: 'tripped', removals: 11 });
		});
	});

	describe('dry run', () => {
		it('sends no write request (no list or field creation either) and its plan equals what the real run then does', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(20));
			mm.seedContact({
				firstName: 'Adoptable',
				channels: [{ channelId: phoneOf(30), type: 'SMS' }],
			});
			const next = [
				...users(20)
					.filter((u) => u.sourceId !== guid(3))
					.map((u, i) =>
						i % 4 === 0
							? user(Number.parseInt(u.sourceId.slice(0, 8), 16), {
									lists: ['Marketing'],
									firstName: 'X',
								})
							: u,
					),
				user(21),
				user(30),
				user(31, { customFields: { 'Cost Centre': 'CC-7' } }),
				{
					sourceId: guid(40),
					code: 'invalidPhone',
					reason: 'Phone "12" is not a number',
					source: {},
				},
			];

			const dry = await sync(mm, next, { dryRun: true });
			expect(mm.writes()).toEqual([]);
			expect(dry.summary.dryRun).toBe(true);
			expect(dry.summary.listsCreated).toEqual(['Marketing']);
			expect(dry.summary.fieldsCreated).toEqual(['Cost Centre']);
			expect(dry.summary.counts).toMatchObject({
				created: 2,
				adopted: 1,
				updated: 5,
				removed: 1,
				rejected: 1,
			});

			const real = await sync(mm, next);
			expect(mm.writes().length).toBeGreaterThan(0);
			const comparable = (outcomes: SyncOutcome[]) =>
				outcomes.map(({ contactId, ...rest }) =>
					rest.action === 'created' ? rest : { ...rest, contactId },
				);
			expect(comparable(real.outcomes)).toEqual(comparable(dry.outcomes));
			expect(real.summary.counts).toEqual(dry.summary.counts);
			expect(real.summary.listsCreated).toEqual(dry.summary.listsCreated);
			expect(real.summary.fieldsCreated).toEqual(dry.summary.fieldsCreated);
		});
	});

	describe('faults (in-memory; the real client and nock are in http.test.ts)', () => {
		it('a create whose answer is lost (503 after commit) is looked up, not duplicated', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			mm.fail('createContact', { status: 503, afterCommit: true });
			const result = await sync(mm, [user(1)]);
			expect(mm.byPhone(phoneOf(1))).toHaveLength(1);
			expect(result.outcomes[0]).toMatchObject({
				action: 'created',
				contactId: mm.byPhone(phoneOf(1))[0].id,
			});
			expect(mm.count('POST', '/api/v1/contacts/contacts')).toBe(1);
			expect(mm.log.filter((r) => r.query?.channelIds)).toHaveLength(1);
		});

		it('a create that failed before committing is looked up, then created again', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			mm.fail('createContact', { status: 503 }, { status: 0 });
			const result = await sync(mm, [user(1)]);
			expect(mm.count('POST', '/api/v1/contacts/contacts')).toBe(3);
			expect(mm.byPhone(phoneOf(1))).toHaveLength(1);
			expect(result.outcomes[0].action).toBe('created');
		});

		it('a create survives a throttling burst as long as any other request would (five 429s, then created once)', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			mm.fail('createContact', ...Array.from({ length: 5 }, () => ({ status: 429 })));
			const result = await sync(mm, [user(1)]);
			expect(result.outcomes[0].action).toBe('created');
			expect(mm.count('POST', '/api/v1/contacts/contacts')).toBe(6);
			expect(mm.byPhone(phoneOf(1))).toHaveLength(1);
		});

		it('a 409 on create (someone added the number meanwhile) adopts it when allowed, else reports a conflict', async () => {
			for (const adoptExisting of [true, false]) {
				const mm = new MemoryMessageMedia({ patchArrays: reading });
				const realCreate = mm.createContact.bind(mm);
				let raced = false;
				mm.createContact = async (body) => {
					if (!raced) {
						raced = true;
						mm.seedContact({
							firstName: 'Racer',
							channels: [{ channelId: body.channels[0].channelId, type: 'SMS' }],
						});
					}
					return await realCreate(body);
				};
				const result = await sync(mm, [user(1)], { adoptExisting });
				expect(mm.contacts.size).toBe(1);
				expect(result.outcomes[0].action).toBe(adoptExisting ? 'adopted' : 'conflict');
				expect(mm.fieldValue(mm.all()[0], LINK)).toBe(adoptExisting ? guid(1) : undefined);
				// Not created after all: the outcome reports what changed on the found contact, not values "written".
				expect(result.outcomes[0].values).toBeUndefined();
				if (adoptExisting)
					expect(result.outcomes[0].changes).toMatchObject({
						lastName: { from: '', to: expect.any(String) },
					});
			}
		});

		it('a created contact reports the values written, one flat map', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const result = await sync(mm, [user(1)]);
			const [contact] = mm.all();
			expect(result.outcomes[0]).toEqual({
				sourceId: guid(1),
				itemIndex: 0,
				action: 'created',
				contactId: contact.id,
				phone: phoneOf(1),
				values: expect.objectContaining({
					firstName: contact.firstName,
					phone: phoneOf(1),
					'Entra Object ID': guid(1),
				}),
				lists: { added: expect.any(Array), removed: [] },
			});
			expect(result.outcomes[0].changes).toBeUndefined();
		});

		it('a failed list membership change fails the contacts it concerns, naming the list', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(4));
			mm.fail('modifyListMembers', { status: 400 });
			const result = await sync(mm, [user(1, { lists: ['Sales'] }), user(2), user(3), user(4)]);
			expect(result.outcomes[0]).toMatchObject({
				action: 'failed',
				error: { status: 400, message: expect.stringMatching(/^List "(Sales|Support)": /) },
			});
			expect(result.summary.counts).toMatchObject({ failed: 1, unchanged: 3 });
		});

		it('a custom field that cannot be created fails only the contacts that need it', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(2));
			mm.fail('createCustomField', { status: 400 });
			const result = await sync(mm, [
				user(1, { customFields: { Badge: '7' } }),
				user(2, { firstName: 'Renamed' }),
			]);
			expect(result.outcomes.map((o) => o.action)).toEqual(['failed', 'updated']);
			expect(result.summary.fieldsCreated).toEqual([]);
			expect(mm.byPhone(phoneOf(2))[0].firstName).toBe('Renamed');
		});

		it('a failed contact write is reported per contact and the rest of the run goes on', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(3));
			mm.fail('updateContact', { status: 400 });
			const result = await sync(
				mm,
				users(3).map((u) => ({ ...u, contact: { ...u.contact, note: 'n' } })),
			);
			expect(result.summary.counts).toMatchObject({ failed: 1, updated: 2 });
			expect(byAction(result.outcomes, 'failed')[0].error).toMatchObject({ status: 400 });
		});
	});

	describe('concurrency', () => {
		it('keeps at most `concurrency` contact writes in flight', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			let inFlight = 0;
			let peak = 0;
			const create = mm.createContact.bind(mm);
			mm.createContact = async (body) => {
				peak = Math.max(peak, ++inFlight);
				await new Promise((resolve) => setTimeout(resolve, 5));
				inFlight--;
				return await create(body);
			};
			await sync(mm, users(30), { concurrency: 3 });
			expect(peak).toBe(3);
			expect(mm.contacts.size).toBe(30);
			expect(() => options({ concurrency: 51 })).toThrow(
				/Concurrency must be a whole number from 1 to 50/,
			);
		});
	});

	describe('incremental mode', () => {
		it('reads all contacts once when a user has no contact linked under their number, and says why', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(5));
			const result = await sync(mm, [user(2, { phone: '+61400000222' }), user(9)], {
				mode: 'incremental',
			});
			expect(result.summary.lookup).toBe('phone+scan');
			expect(result.summary.lookupNote).toMatch(/2 item\(s\) have no linked contact/);
			expect(result.summary.counts).toMatchObject({ updated: 1, created: 1 });
			expect(mm.contacts.size).toBe(6);
			// never removes the users absent from an incremental input
			expect(mm.count('DELETE')).toBe(0);
		});

		it('a removal that carries the number is found by look-up: no page of all contacts is read', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(5));
			const disabled = { ...removal(3, 'disabled'), contact: { phone: phoneOf(3) } };
			const result = await sync(mm, [disabled], { mode: 'incremental' });
			expect(result.summary.lookup).toBe('phone');
			expect(result.summary.counts).toMatchObject({ removed: 1 });
			expect(mm.contacts.size).toBe(4);
			// one look-up by channelIds, one DELETE; no unfiltered page of contacts
			const contactReads = mm.log.filter(
				(r) => r.method === 'GET' && r.path === '/api/v1/contacts/contacts',
			);
			expect(contactReads.map((r) => r.query?.channelIds)).toEqual([[phoneOf(3)]]);
			expect(mm.count('DELETE')).toBe(1);
		});

		it('department moves above the guard minimum: one page of contacts weighs them, never all pages; a burst above the threshold still trips', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await sync(mm, users(1500));
			// 10 users move to the other list: 10 memberships taken away, above "always allowed" (5)
			const moves = Array.from({ length: 10 }, (_, i) =>
				user(i + 1, { lists: [(i + 1) % 2 === 0 ? 'Support' : 'Sales'] }),
			);
			const result = await sync(mm, moves, { mode: 'incremental' });
			expect(result.summary.guard).toMatchObject({ status: 'ok', membershipRemovals: 10 });
			expect(result.summary.counts.updated).toBe(10);
			expect(result.summary.lookup).toBe('phone');
			expect(result.summary.lookupNote).toMatch(
				/1 page of contacts \(1000\) was read to weigh 10 removals/,
			);
			const pages = mm.log.filter(
				(r) =>
					r.method === 'GET' &&
					r.path === '/api/v1/contacts/contacts' &&
					r.query?.channelIds === undefined,
			);
			expect(pages).toHaveLength(1);

			// 30 moves among 200 (10 %: 20 allowed) trip the guard after all contacts were read
			const small = new MemoryMessageMedia({ patchArrays: reading });
			await sync(small, users(200));
			const burst = Array.from({ length: 30 }, (_, i) =>
				user(i + 101, { lists: [(i + 101) % 2 === 0 ? 'Support' : 'Sales'] }),
			);
			const tripped = await sync(small, burst, { mode: 'incremental' });
			expect(tripped.summary.guard).toMatchObject({
				status: 'tripped',
				membershipRemovals: 30,
				memberships: 200,
			});
			expect(tripped.summary.lookup).toBe('phone+scan');
			// the page held every contact (shorter than a page): it was the full read, not followed by another
			const reads = small.log.filter(
				(r) =>
					r.method === 'GET' &&
					r.path === '/api/v1/contacts/contacts' &&
					r.query?.channelIds === undefined,
			);
			expect(reads).toHaveLength(1);
			expect(small.writes()).toEqual([]);
		});

		it('an empty incremental input makes no request', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const result = await sync(mm, [{}], { mode: 'incremental' });
			expect(mm.log).toEqual([]);
			expect(result.summary.lookup).toBe('none');
		});
	});

	describe('run time limit', () => {
		it('starts no contact write after the limit: the rest is reported skipped, and the next run finishes without duplicates', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			let clock = 0;
			// Every read of the clock is a minute later: the first writes start in time, later ones don't.
			const now = () => (clock += 60_000);
			const result = await runSync(
				mm,
				inputs(users(10)),
				options({ runTimeLimitMinutes: 8, concurrency: 1 }),
				{ ...noSleep, now },
			);
			const created = result.summary.counts.created;
			expect(created).toBeGreaterThan(0);
			expect(created).toBeLessThan(10);
			expect(result.summary.counts.skipped).toBe(10 - created);
			expect(result.summary.timeLimit).toMatch(/run time limit \(8 min\) was reached/);
			expect(
				result.outcomes
					.filter((o) => o.action === 'skipped')
					.every((o) => /run time limit/.test(o.reason ?? '')),
			).toBe(true);
			expect(mm.all()).toHaveLength(created);

			const next = await runSync(mm, inputs(users(10)), options(), noSleep);
			expect(next.summary.counts).toMatchObject({ created: 10 - created, unchanged: created });
			expect(mm.all()).toHaveLength(10);
			expect(next.summary.timeLimit).toBeUndefined();
		});
	});

	describe('sync scopes', () => {
		it('a full run of one scope leaves the contacts of another scope alone', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await runSync(mm, inputs(users(4, 1)), options({ syncScope: 'contoso' }), noSleep);
			await runSync(mm, inputs(users(4, 11)), options({ syncScope: 'fabrikam' }), noSleep);
			expect(mm.all()).toHaveLength(8);
			// Each scope's next full run sees only its own users: nothing of the other's is marked or removed.
			mm.resetLog();
			const contoso = await runSync(
				mm,
				inputs(users(4, 1)),
				options({ syncScope: 'contoso' }),
				noSleep,
			);
			const fabrikam = await runSync(
				mm,
				inputs(users(4, 11)),
				options({ syncScope: 'fabrikam' }),
				noSleep,
			);
			expect(mm.writes()).toEqual([]);
			expect(contoso.summary.guard.linked).toBe(4);
			expect(fabrikam.summary.counts).toMatchObject({ unchanged: 4, removed: 0 });
		});

		it('a user who moves between partitions keeps one contact, whichever partition runs first', async () => {
			for (const order of [
				['a', 'b'],
				['b', 'a'],
			] as const) {
				const mm = new MemoryMessageMedia({ patchArrays: reading });
				const partition = { a: users(3, 1), b: users(3, 11) };
				await runSync(mm, inputs(partition.a), options({ syncScope: 'a' }), noSleep);
				await runSync(mm, inputs(partition.b), options({ syncScope: 'b' }), noSleep);
				const [mover] = mm.byPhone(phoneOf(2));
				// User 2 moves from partition a to partition b.
				const moved = {
					a: partition.a.filter((u) => u.sourceId !== guid(2)),
					b: [...partition.b, user(2)],
				};
				for (const scope of order)
					await runSync(mm, inputs(moved[scope]), options({ syncScope: scope }), noSleep);
				for (const scope of order)
					await runSync(mm, inputs(moved[scope]), options({ syncScope: scope }), noSleep);
				expect(mm.byPhone(phoneOf(2)).map((c) => c.id)).toEqual([mover.id]);
				expect(mm.all()).toHaveLength(6);
				expect(mm.fieldValue(mm.byPhone(phoneOf(2))[0], 'Entra Sync State')).toMatch(
					/;o=[0-9a-f]{8};t=\d+$/,
				);
			}
		});

		it('a user absent from a scoped full run is marked first and removed by the next run if still absent', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			await runSync(mm, inputs(users(5)), options({ syncScope: 'a' }), noSleep);
			const first = await runSync(mm, inputs(users(4)), options({ syncScope: 'a' }), noSleep);
			expect(mm.all()).toHaveLength(5);
			expect(first.outcomes.find((o) => o.sourceId === guid(5))).toMatchObject({
				action: 'unchanged',
				reason: expect.stringContaining('marked now'),
			});
			const second = await runSync(mm, inputs(users(4)), options({ syncScope: 'a' }), noSleep);
			expect(second.outcomes.find((o) => o.sourceId === guid(5))).toMatchObject({
				action: 'removed',
			});
			expect(mm.all()).toHaveLength(4);
			// A user who comes back before the second run keeps the contact, and the mark is cleared.
			await runSync(mm, inputs(users(4)), options({ syncScope: 'a' }), noSleep);
			await runSync(mm, inputs(users(4)), options({ syncScope: 'a' }), noSleep);
			expect(mm.all()).toHaveLength(4);
		});
	});
});
