/**
 * Bidirectional and reverse sync end to end in memory: directory users → Contact Mapper (seed mapping,
 * direction stamped) → runSync against an in-memory MessageMedia and a recording directory writer.
 * Acceptance lines 1–4 at unit level (the real-n8n versions are in test/e2e/bidirectional.test.ts),
 * plus the base's failure rule, dry run and reverse-only runs.
 */

import { compileMapper } from '../../../lib/mapping';
import type { SyncDirection } from '../../../lib/types';
import {
	decodeBase,
	decodeRecord,
	runSync,
	WriteBackRefused,
	type DirectoryWriter,
	type SyncOptions,
	type SyncOutcome,
	type SyncResult,
} from '../../../lib/sync';
import { validateRequest } from '../../support/openapi';
import { Person } from './memoryHand';
import { MemoryMessageMedia, PATCH_READINGS, type PatchArrays } from './memoryClient';
import { guid, inputs, noSleep, options } from './fixtures';

/** How the in-memory account applies `channels` and `customFields` in a PATCH (both readings run). */
let reading: PatchArrays = 'replace';

const READ_ONLY_ON_PREMISES = [
	'mobilePhone',
	'businessPhones',
	'givenName',
	'surname',
	'mail',
	'displayName',
];

type User = Record<string, unknown> & { id: string };

/** The directory: users by id; PATCHes land here, as Graph would apply them. */
class RecordingDirectory implements DirectoryWriter {
	readonly calls: Array<{ id: string; changes: Record<string, unknown> }> = [];
	/** Errors to throw for the next PATCH of a user. */
	readonly failures = new Map<string, Error>();

	constructor(readonly users: Map<string, User>) {}

	async updateUser(id: string, changes: Record<string, unknown>): Promise<void> {
		this.calls.push({ id, changes: structuredClone(changes) });
		const failure = this.failures.get(id);
		if (failure) {
			this.failures.delete(id);
			throw failure;
		}
		const user = this.users.get(id);
		if (!user) throw new Error(`no user ${id}`);
		for (const [key, value] of Object.entries(changes)) {
			if (value === null) delete user[key];
			else user[key] = value;
		}
	}
}

function person(n: number, extra: Record<string, unknown> = {}): User {
	return {
		id: guid(n),
		displayName: `First${n} Last${n}`,
		givenName: `First${n}`,
		surname: `Last${n}`,
		mobilePhone: `0412 000 ${String(100 + n)}`,
		mail: `user${n}@contoso.example`,
		department: 'Sales',
		accountEnabled: true,
		usageLocation: 'AU',
		...extra,
	};
}

const SEED_MAPPING = [
	{ source: 'displayName', field: 'fullName' as const },
	{ source: 'mobilePhone', field: 'phone' as const },
	{ source: 'mail', field: 'email' as const },
	{ source: 'department', field: 'lists' as const },
];

interface World {
	mm: MemoryMessageMedia;
	directory: RecordingDirectory;
	run: (
		overrides?: Partial<SyncOptions>,
		extra?: { now?: number; writer?: DirectoryWriter | null },
	) => Promise<SyncResult>;
	contactOf: (n: number) => ReturnType<MemoryMessageMedia['contacts']['get']> & object;
	/** A change made by hand in MessageMedia (the web app, not the API). */
	editContact: (
		n: number,
		body: Parameters<MemoryMessageMedia['updateContact']>[1],
	) => Promise<void>;
}

function world(users: User[], direction: SyncDirection = 'bidirectional'): World {
	const mm = new MemoryMessageMedia({ patchArrays: reading });
	const directory = new RecordingDirectory(new Map(users.map((u) => [u.id, u])));
	const mapUser = compileMapper({ mapping: SEED_MAPPING, defaultCountry: 'AU', direction });
	const contactOf = (n: number) => {
		const link = [...mm.fields.values()].find((f) => f.label === 'Entra Object ID');
		const found = [...mm.contacts.values()].find(
			(c) => c.customFields.get(link?.id ?? '') === guid(n),
		);
		if (!found) throw new Error(`no contact linked to user ${n}`);
		return found;
	};
	return {
		mm,
		directory,
		contactOf,
		async run(overrides = {}, extra = {}) {
			mm.resetLog();
			directory.calls.length = 0;
			const items = [...directory.users.values()].map((u) => mapUser(structuredClone(u)));
			const writer = extra.writer === null ? undefined : (extra.writer ?? directory);
			const result = await runSync(
				mm,
				inputs(items),
				options({ onPremisesReadOnly: READ_ONLY_ON_PREMISES, ...overrides }),
				{
					...noSleep,
					directory: writer,
					...(extra.now !== undefined ? { now: () => extra.now as number } : {}),
				},
			);
			for (const write of mm.writes()) {
				expect({
					write,
					errors: (await validateRequest(write.method, write.path, write.body)).errors,
				}).toEqual({ write, errors: [] });
			}
			return result;
		},
		async editContact(n, body) {
			// By hand in the web app: what the body names changes, nothing else (whatever the PATCH reading).
			const id = contactOf(n).id;
			const person = new Person(mm);
			const sms = body.channels?.find((c) => c.type === 'SMS');
			if (sms) person.changeNumber(id, sms.channelId);
			for (const key of ['firstName', 'lastName'] as const)
				if (body[key] !== undefined) person.setAttribute(id, key, body[key] as string);
			for (const { id: fieldId, value } of body.customFields ?? [])
				person.setField(id, fieldId, value);
		},
	};
}

const sms = (phone: string) => [
	{ channelId: phone, type: 'SMS' as const, subscriptionState: 'SUBSCRIBED' as const },
];
const outcomeOf = (result: SyncResult, n: number): SyncOutcome =>
	result.outcomes.find((o) => o.sourceId === guid(n)) as SyncOutcome;
/**
 * The number the sync manages on the contact (its ownership record), else its first SMS channel: under
 * the merge reading an old number the service won't let go of stays beside the new one.
 */
function phoneOfContact(w: World, n: number): string | undefined {
	const recordField = [...w.mm.fields.values()].find((f) => f.label === 'Entra Sync State');
	const contact = w.contactOf(n);
	const managed = decodeRecord(
		recordField ? contact.customFields.get(recordField.id) : undefined,
	).phone;
	const sms = contact.channels.filter((c) => c.type === 'SMS').map((c) => c.channelId);
	return managed !== undefined && sms.includes(managed) ? managed : sms[0];
}

async function expectNoEcho(w: World): Promise<void> {
	const result = await w.run();
	expect(w.mm.writes()).toEqual([]);
	expect(w.directory.calls).toEqual([]);
	expect(result.summary.directory).toMatchObject({ updated: 0, failed: 0, conflicts: 0 });
}

describe.each(PATCH_READINGS)('PATCH arrays: %s', (patchArrays) => {
	beforeAll(() => {
		reading = patchArrays;
	});

	describe('bidirectional sync', () => {
		it('a first run creates contacts with a base; the next run writes nothing on either side', async () => {
			const w = world([person(1), person(2)]);
			const first = await w.run();
			expect(first.summary.counts.created).toBe(2);
			expect(first.summary.fieldsCreated.sort()).toEqual([
				'Email',
				'Entra Object ID',
				'Entra Sync Base',
				'Entra Sync State',
			]);
			const baseField = [...w.mm.fields.values()].find((f) => f.label === 'Entra Sync Base');
			expect(baseField).toMatchObject({ type: 'TEXT', maxLength: 1000 });
			const base = decodeBase(w.contactOf(1).customFields.get(baseField!.id), guid(1));
			expect(Object.keys(base!.hashes).sort()).toEqual(['email', 'firstName', 'lastName', 'phone']);
			// The base is bookkeeping: not reported as a change.
			expect(Object.keys(outcomeOf(first, 1).values ?? {})).toEqual(
				expect.arrayContaining(['firstName', 'phone', 'Entra Object ID']),
			);
			expect(Object.keys(outcomeOf(first, 1).values ?? {})).not.toContain('Entra Sync Base');
			expect(first.summary.directory).toEqual({
				direction: 'bidirectional',
				authority: 'directory',
				updated: 0,
				skipped: 0,
				failed: 0,
				conflicts: 0,
			});
			await expectNoEcho(w);
		});

		it('a number changed in MessageMedia reaches mobilePhone (in its original style); a number changed in the directory reaches MessageMedia', async () => {
			const w = world([person(1), person(2)]);
			await w.run();
			await w.editContact(1, { channels: sms('+61499111222') });
			(w.directory.users.get(guid(2)) as User).mobilePhone = '0499 333 444';

			const result = await w.run();
			expect(w.directory.calls).toEqual([
				{ id: guid(1), changes: { mobilePhone: '0499 111 222' } },
			]);
			expect(w.directory.users.get(guid(1))?.mobilePhone).toBe('0499 111 222');
			expect(outcomeOf(result, 1)).toMatchObject({
				action: 'unchanged',
				directory: {
					action: 'updated',
					userId: guid(1),
					changes: { mobilePhone: { from: '0412 000 101', to: '0499 111 222' } },
				},
			});
			expect(phoneOfContact(w, 1)).toBe('+61499111222');
			expect(phoneOfContact(w, 2)).toBe('+61499333444');
			expect(outcomeOf(result, 2)).toMatchObject({
				action: 'updated',
				changes: { phone: { from: '+61412000102', to: '+61499333444' } },
			});
			expect(outcomeOf(result, 2).directory).toBeUndefined();
			expect(result.summary.directory).toMatchObject({
				updated: 1,
				skipped: 0,
				failed: 0,
				conflicts: 0,
			});
			// The run after the sync writes nothing on either side.
			await expectNoEcho(w);
		});

		it('writes other reversible fields back (name → givenName, email → mail) and E.164 when asked', async () => {
			const w = world([person(1)]);
			await w.run({ phoneWriteFormat: 'e164' });
			const emailField = [...w.mm.fields.values()].find((f) => f.label === 'Email')!;
			await w.editContact(1, {
				firstName: 'Janet',
				channels: sms('+61499111222'),
				customFields: [{ id: emailField.id, value: 'janet@contoso.example' }],
			});
			await w.run({ phoneWriteFormat: 'e164' });
			expect(w.directory.calls).toEqual([
				{
					id: guid(1),
					changes: {
						givenName: 'Janet',
						mobilePhone: '+61499111222',
						mail: 'janet@contoso.example',
					},
				},
			]);
			await expectNoEcho(w);
		});

		describe('both sides changed the same field since the last sync', () => {
			async function conflictWorld() {
				const w = world([person(1)]);
				await w.run({}, { now: Date.parse('2026-11-25T12:00:00Z') });
				await w.editContact(1, { channels: sms('+61499111222') });
				(w.directory.users.get(guid(1)) as User).mobilePhone = '0499 333 444';
				return w;
			}

			it('directory wins: MessageMedia takes the directory value; reported as a conflict with both values', async () => {
				const w = await conflictWorld();
				const result = await w.run({ authority: 'directory' });
				expect(w.directory.calls).toEqual([]);
				expect(phoneOfContact(w, 1)).toBe('+61499333444');
				expect(outcomeOf(result, 1).conflicts).toEqual({
					phone: {
						directory: '+61499333444',
						messaging: '+61499111222',
						winner: 'directory',
						reason: expect.stringContaining('directory wins'),
					},
				});
				expect(result.summary.directory?.conflicts).toBe(1);
				await expectNoEcho(w);
			});

			it('MessageMedia wins: the directory takes the MessageMedia value', async () => {
				const w = await conflictWorld();
				const result = await w.run({ authority: 'messaging' });
				expect(w.directory.calls).toEqual([
					{ id: guid(1), changes: { mobilePhone: '0499 111 222' } },
				]);
				expect(phoneOfContact(w, 1)).toBe('+61499111222');
				expect(outcomeOf(result, 1).conflicts?.phone).toMatchObject({
					directory: '+61499333444',
					messaging: '+61499111222',
					winner: 'messaging',
				});
				await expectNoEcho(w);
			});

			it("newest wins: the contact's lastModifiedDate against the directory change's estimated time", async () => {
				const now = Date.parse('2026-11-26T12:00:00Z');
				for (const [modified, winner] of [
					['2026-11-26T06:00:00Z', 'messaging'],
					['2026-11-25T18:00:00Z', 'directory'],
				] as const) {
					const w = await conflictWorld();
					w.contactOf(1).lastModifiedDate = modified;
					const result = await w.run({ authority: 'newest' }, { now });
					expect(outcomeOf(result, 1).conflicts?.phone.winner).toBe(winner);
					expect(phoneOfContact(w, 1)).toBe(
						winner === 'messaging' ? '+61499111222' : '+61499333444',
					);
					expect(w.directory.users.get(guid(1))?.mobilePhone).toBe(
						winner === 'messaging' ? '0499 111 222' : '0499 333 444',
					);
				}
			});

			it('different fields changed on each side are no conflict: each goes across', async () => {
				const w = world([person(1)]);
				await w.run();
				await w.editContact(1, { channels: sms('+61499111222') });
				(w.directory.users.get(guid(1)) as User).surname = 'Newname';
				const result = await w.run({ authority: 'directory' });
				expect(outcomeOf(result, 1).conflicts).toBeUndefined();
				expect(w.directory.calls).toEqual([
					{ id: guid(1), changes: { mobilePhone: '0499 111 222' } },
				]);
				expect(w.contactOf(1).attributes.lastName).toBe('Newname');
				await expectNoEcho(w);
			});
		});

		describe('users synced from on-premises AD', () => {
			it('get no PATCH for attributes AD masters; the write-back is reported skipped: on-premises mastered', async () => {
				const w = world([person(1, { onPremisesSyncEnabled: true })]);
				await w.run();
				await w.editContact(1, { channels: sms('+61499111222') });
				const result = await w.run();
				expect(w.directory.calls).toEqual([]);
				expect(outcomeOf(result, 1).directory).toEqual({
					action: 'skipped',
					userId: guid(1),
					skipped: { mobilePhone: { from: '0412 000 101', to: '0499 111 222' } },
					reason: 'on-premises mastered',
				});
				expect(result.summary.directory).toMatchObject({ updated: 0, skipped: 1 });
				// MessageMedia keeps its number; nothing is written, and the next run does the same (no echo).
				expect(phoneOfContact(w, 1)).toBe('+61499111222');
				expect(w.mm.writes()).toEqual([]);
				const again = await w.run();
				expect(w.mm.writes()).toEqual([]);
				expect(w.directory.calls).toEqual([]);
				expect(outcomeOf(again, 1).directory?.action).toBe('skipped');
			});

			it('a refusal the plan could not foresee (onPremisesSyncEnabled not read) is skipped too, and the base does not move', async () => {
				const w = world([person(1)]);
				await w.run();
				await w.editContact(1, { channels: sms('+61499111222') });
				w.directory.failures.set(
					guid(1),
					new WriteBackRefused('User is synced from on-premises Active Directory'),
				);
				const result = await w.run();
				expect(w.directory.calls).toHaveLength(1);
				expect(outcomeOf(result, 1).directory).toMatchObject({
					action: 'skipped',
					reason: 'on-premises mastered',
					skipped: { mobilePhone: { to: '0499 111 222' } },
				});
				expect(outcomeOf(result, 1).directory?.changes).toBeUndefined();
				// Not failed: the node does not fail the run for it.
				expect(result.summary.directory).toMatchObject({ skipped: 1, failed: 0 });
			});
		});

		it('a failed PATCH does not advance the base: the next run writes back again instead of pushing the old directory value', async () => {
			const w = world([person(1), person(2)]);
			await w.run();
			const baseBefore = () =>
				w
					.contactOf(1)
					.customFields.get(
						[...w.mm.fields.values()].find((f) => f.label === 'Entra Sync Base')!.id,
					);
			const before = baseBefore();
			await w.editContact(1, { channels: sms('+61499111222') });
			(w.directory.users.get(guid(2)) as User).mobilePhone = '0499 333 444';
			w.directory.failures.set(guid(1), Object.assign(new Error('Graph 503'), { status: 503 }));
			const failed = await w.run();
			expect(outcomeOf(failed, 1).directory).toMatchObject({
				action: 'failed',
				error: { message: 'Graph 503' },
			});
			expect(failed.summary.directory).toMatchObject({ failed: 1 });
			expect(baseBefore()).toBe(before);
			// The other contact of the run was applied.
			expect(phoneOfContact(w, 2)).toBe('+61499333444');
			// MessageMedia keeps the new number; the next run writes it back.
			expect(phoneOfContact(w, 1)).toBe('+61499111222');
			await w.run();
			expect(w.directory.calls).toEqual([
				{ id: guid(1), changes: { mobilePhone: '0499 111 222' } },
			]);
			expect(phoneOfContact(w, 1)).toBe('+61499111222');
			await expectNoEcho(w);
		});

		it('dry run reports both directions and writes nothing anywhere (no writer needed)', async () => {
			const w = world([person(1), person(2)]);
			await w.run();
			await w.editContact(1, { channels: sms('+61499111222') });
			(w.directory.users.get(guid(2)) as User).mobilePhone = '0499 333 444';
			const result = await w.run({ dryRun: true }, { writer: null });
			expect(w.mm.writes()).toEqual([]);
			expect(outcomeOf(result, 1).directory).toMatchObject({
				action: 'updated',
				changes: { mobilePhone: { from: '0412 000 101', to: '0499 111 222' } },
			});
			expect(outcomeOf(result, 2)).toMatchObject({
				action: 'updated',
				changes: { phone: { from: '+61412000102', to: '+61499333444' } },
			});
			expect(result.summary).toMatchObject({ dryRun: true, directory: { updated: 1 } });
			expect(w.directory.users.get(guid(1))?.mobilePhone).toBe('0412 000 101');
		});

		it("an adopted (never synced) contact takes the directory's values whatever the authority: nothing of it is written back", async () => {
			const w = world([person(1)]);
			await w.mm.createContact({
				firstName: 'Hand',
				lastName: 'Made',
				channels: sms('+61412000101'),
			});
			const result = await w.run({ authority: 'messaging' });
			expect(outcomeOf(result, 1)).toMatchObject({
				action: 'adopted',
				conflicts: { firstName: { directory: 'First1', messaging: 'Hand', winner: 'directory' } },
			});
			expect(w.directory.calls).toEqual([]);
			expect(w.contactOf(1).attributes).toMatchObject({ firstName: 'First1', lastName: 'Last1' });
			await expectNoEcho(w);
		});

		it('needs a directory writer to write (not for a dry run)', async () => {
			const w = world([person(1)]);
			await expect(w.run({}, { writer: null })).rejects.toThrow(/select an Entra ID credential/);
			await expect(w.run({ dryRun: true }, { writer: null })).resolves.toBeDefined();
		});
	});

	describe('reverse sync (MessageMedia → directory)', () => {
		it('writes only the directory: no contact is created, changed or removed', async () => {
			const w = world([person(1), person(2), person(3)], 'reverse');
			// Contacts made earlier by a one-way sync.
			await w.run({ direction: 'toMessaging' });
			await w.editContact(1, { channels: sms('+61499111222'), lastName: 'Changed' });
			(w.directory.users.get(guid(2)) as User).mobilePhone = '0499 333 444';
			w.directory.users.set(guid(4), person(4));
			const result = await w.run();
			expect(w.mm.writes()).toEqual([]);
			expect(w.directory.calls).toEqual([
				{ id: guid(1), changes: { mobilePhone: '0499 111 222', surname: 'Changed' } },
				// MessageMedia is the source: the directory's own change is undone.
				{ id: guid(2), changes: { mobilePhone: '0412 000 102' } },
			]);
			expect(outcomeOf(result, 4)).toMatchObject({
				action: 'skipped',
				reason: expect.stringContaining('creates none'),
			});
			expect(result.summary.directory).toMatchObject({ direction: 'toDirectory', updated: 2 });
			expect(result.summary.counts).toMatchObject({ created: 0, updated: 0, removed: 0 });
		});
	});

	describe('direction of a run', () => {
		it('"fromMapper" takes the stamped direction; one-way items (no stamp) run one-way', async () => {
			const oneWay = world([person(1)], 'one-way');
			const result = await oneWay.run({}, { writer: null });
			expect(result.summary.directory).toBeUndefined();
			expect([...oneWay.mm.fields.values()].map((f) => f.label)).not.toContain('Entra Sync Base');
		});

		it('items with different directions are refused', async () => {
			const mm = new MemoryMessageMedia({ patchArrays: reading });
			const items = [
				{
					sourceId: guid(1),
					action: 'upsert',
					contact: { phone: '+61412000101' },
					direction: 'reverse',
				},
				{
					sourceId: guid(2),
					action: 'upsert',
					contact: { phone: '+61412000102' },
					direction: 'bidirectional',
				},
			];
			await expect(runSync(mm, inputs(items), options())).rejects.toThrow(/different directions/);
		});

		it('an item whose provenance names an account attribute is rejected, never written', () => {
			const classified = inputs([
				{
					sourceId: guid(1),
					action: 'upsert',
					contact: { phone: '+61412000101' },
					provenance: { phone: { attribute: 'accountEnabled', value: 'true' } },
				},
			]);
			expect(classified[0]).toMatchObject({
				kind: 'rejected',
				reason: expect.stringContaining('not a directory attribute the sync writes back'),
			});
		});
	});
});
