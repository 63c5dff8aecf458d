/**
 * Known ways the sync broke its promises, one example each (titles say which case and what it
 * breaks). The model-based suite (model/) finds these and more; these pin them down by name.
 */

import { classifyInput, runSync, type SyncOptions } from '../../../lib/sync';
import type { SyncDirection } from '../../../lib/types';
import { Person } from './memoryHand';
import {
	MemoryMessageMedia,
	PATCH_READINGS,
	type LoggedRequest,
	type PatchArrays,
} from './memoryClient';
import { Directory, e164, ModelDirectoryWriter, type DirUser } from './model/directory';
import { guid, inputs, noSleep, options, phoneOf, removal, user, users } from './fixtures';

const LINK = 'Entra Object ID';

/** Runs a sync; `log` collects every request of every run (the consent checks read it). */
function account(patchArrays: PatchArrays = 'replace') {
	const mm = new MemoryMessageMedia({ patchArrays });
	const log: LoggedRequest[] = [];
	const sync = async (items: unknown[], overrides: Partial<SyncOptions> = {}) => {
		mm.resetLog();
		const result = await runSync(mm, classifyInput(items).inputs, options(overrides), noSleep);
		log.push(...mm.log);
		return result;
	};
	return { mm, person: new Person(mm), log, sync };
}

/** Requests that sent `number` SUBSCRIBED. */
const subscribedSends = (log: LoggedRequest[], number: string) =>
	log.filter((r) =>
		(
			(r.body as { channels?: Array<{ channelId: string; subscriptionState?: string }> })
				?.channels ?? []
		).some((c) => c.channelId === number && c.subscriptionState === 'SUBSCRIBED'),
	);

/** The states of every SMS channel with `number` in the account. */
const states = (mm: MemoryMessageMedia, number: string) =>
	mm
		.all()
		.flatMap((c) =>
			c.channels
				.filter((ch) => ch.type === 'SMS' && ch.channelId === number)
				.map((ch) => ch.subscriptionState),
		);

const linkOf = (mm: MemoryMessageMedia, id: string) =>
	mm.fieldValue(mm.render(mm.stored(id)), LINK);

describe.each(PATCH_READINGS)('PATCH arrays: %s', (reading) => {
	it.each(['a STOP reply', 'the web app'])(
		'case 1: consent: two SMS channels — a phone change to the second number, opted out by %s, never sends or stores it SUBSCRIBED',
		async (how) => {
			const { mm, person, log, sync } = account(reading);
			await sync([user(1)]);
			const [contact] = mm.byPhone(phoneOf(1));
			const second = '+61400000222';
			person.addChannel(contact.id, {
				channelId: second,
				type: 'SMS',
				subscriptionState: 'SUBSCRIBED',
			});
			if (how === 'a STOP reply') person.replyStop(second);
			else person.setSubscription(contact.id, second, 'UNSUBSCRIBED');
			await sync([user(1, { phone: second })]);
			expect(subscribedSends(log, second)).toEqual([]);
			expect(states(mm, second)).not.toContain('SUBSCRIBED');
			expect(mm.contacts.has(contact.id)).toBe(true);
		},
	);

	it.each(['a STOP reply', 'the web app'])(
		'case 2: consent: a contact opted out by %s is not deleted when its user leaves and created SUBSCRIBED on return',
		async (how) => {
			const { mm, person, log, sync } = account(reading);
			await sync(users(3));
			const [contact] = mm.byPhone(phoneOf(2));
			if (how === 'a STOP reply') person.replyStop(phoneOf(2));
			else person.setSubscription(contact.id, phoneOf(2), 'UNSUBSCRIBED');
			const optedOut = log.length;
			await sync([user(1), user(3)]);
			await sync(users(3));
			expect(subscribedSends(log.slice(optedOut), phoneOf(2))).toEqual([]);
			expect(states(mm, phoneOf(2))).toEqual(['UNSUBSCRIBED']);
		},
	);
});

describe('case 3: nothing a person made is lost under the replace reading', () => {
	async function handMade() {
		const a = account('replace');
		const nickname = a.person.field('Nickname');
		const contact = a.person.createContact({
			firstName: 'Hand',
			channels: [
				{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'SUBSCRIBED' },
				{ channelId: 'bo@example.com', type: 'EMAIL' },
			],
			fields: { [nickname.id]: 'Bo' },
		});
		if (!contact) throw new Error('no hand-made contact');
		const kept = () => ({
			nickname: contact.customFields.get(nickname.id),
			channels: a.mm
				.stored(contact.id)
				.channels.map((c) => c.type)
				.sort(),
		});
		return { ...a, contact, kept };
	}

	it('case 3: adoption keeps a hand-set custom field and an EMAIL channel', async () => {
		const { sync, kept, mm, contact } = await handMade();
		await sync([user(1)]);
		expect(linkOf(mm, contact.id)).toBe(guid(1));
		expect(kept()).toEqual({ nickname: 'Bo', channels: ['EMAIL', 'SMS'] });
	});

	it('case 3: an update keeps a hand-set custom field and an EMAIL channel', async () => {
		const { sync, kept } = await handMade();
		await sync([user(1)]);
		await sync([user(1, { firstName: 'Renamed', email: 'renamed@example.com' })]);
		expect(kept()).toEqual({ nickname: 'Bo', channels: ['EMAIL', 'SMS'] });
	});

	it('case 3: a phone change keeps a hand-set custom field and an EMAIL channel', async () => {
		const { sync, kept } = await handMade();
		await sync([user(1)]);
		// Under this reading an update can't keep the EMAIL channel (the API writes SMS and WHATSAPP only):
		// the number may stay as it is (reported), but nothing of the person's may go.
		await sync([user(1, { phone: '+61400000333' })]);
		expect(kept()).toEqual({ nickname: 'Bo', channels: ['EMAIL', 'SMS'] });
	});

	it('case 3: the unsubscribe removal policy keeps a hand-set custom field and an EMAIL channel', async () => {
		const { sync, kept } = await handMade();
		await sync([user(1)]);
		await sync([{ ...removal(1, 'disabled'), contact: { phone: phoneOf(1) } }], {
			mode: 'incremental',
			removalPolicy: 'unsubscribe',
		});
		expect(kept()).toEqual({ nickname: 'Bo', channels: ['EMAIL', 'SMS'] });
	});
});

/** A directory of model users, read through the real Contact Mapper, and a writer that lands write-backs in it. */
function twoWay(patchArrays: PatchArrays) {
	const a = account(patchArrays);
	const directory = new Directory();
	const writer = new ModelDirectoryWriter(directory);
	const run = async (direction: SyncDirection | undefined) => {
		a.mm.resetLog();
		await runSync(a.mm, inputs(directory.read({ kind: 'full' }, direction)), options(), {
			...noSleep,
			directory: writer,
		});
		a.log.push(...a.mm.log);
	};
	const contactOf = (u: DirUser) => {
		const link = a.mm.field(LINK)?.id ?? '';
		const found = [...a.mm.contacts.values()].filter((c) => c.customFields.get(link) === u.id);
		if (found.length !== 1) throw new Error(`${found.length} contacts linked to ${u.id}`);
		return found[0];
	};
	return { ...a, directory, writer, run, contactOf };
}

describe('case 4: two-way', () => {
	it('case 4: two-way: a one-way run in between does not overwrite a number changed only in MessageMedia; the next two-way run writes it to the directory', async () => {
		const w = twoWay('replace');
		const u = w.directory.hire('+61412001001', 'Sales', 2);
		await w.run('bidirectional');
		w.person.changeNumber(w.contactOf(u).id, '+61499001001');
		await w.run(undefined); // a one-way run (the trigger's workflow)
		await w.run('bidirectional');
		expect(w.contactOf(u).channels.find((c) => c.type === 'SMS')?.channelId).toBe('+61499001001');
		expect(e164(u.mobilePhone)).toBe('+61499001001');
	});
});

describe('case 5: incremental list drift', () => {
	it('case 5: a trigger run for one user who moved Sales → Support takes them out of Sales', async () => {
		const { mm, sync } = account();
		await sync([user(1, { lists: ['Sales'] }), user(2, { lists: ['Support'] })]);
		await sync([user(1, { lists: ['Support'] })], { mode: 'incremental' });
		expect(mm.byPhone(phoneOf(1))[0].lists.map((l) => l.name)).toEqual(['Support']);
	});

	it('case 5: under removeFromLists a disabled user is taken off their list by a trigger run', async () => {
		const { mm, sync } = account();
		await sync([user(1, { lists: ['Sales'] }), user(2, { lists: ['Support'] })]);
		await sync([{ ...removal(1, 'disabled'), contact: { phone: phoneOf(1) } }], {
			mode: 'incremental',
			removalPolicy: 'removeFromLists',
		});
		expect(mm.byPhone(phoneOf(1))[0].lists).toEqual([]);
	});
});

describe('case 6: Continue On Fail', () => {
	it('case 6: Continue On Fail: an item with a valid sourceId but a bad action is dropped, and the full run keeps its contact', async () => {
		const { mm, sync } = account();
		await sync(users(3));
		const [kept] = mm.byPhone(phoneOf(2));
		await sync([user(1), { ...user(2), action: 'update' }, user(3)]);
		expect(mm.contacts.has(kept.id)).toBe(true);
		expect(mm.count('DELETE')).toBe(0);
	});
});

describe('case 7: a failed directory read', () => {
	it('case 7: a failed directory read ({error} items, which the Mapper turns into rejected records without sourceId) removes no contact', async () => {
		const { mm, sync } = account();
		const directory = new Directory();
		for (let n = 0; n < 8; n++) directory.hire(`+6141200${1000 + n}`, 'Sales');
		await sync(directory.read({ kind: 'full' }, undefined));
		expect(mm.contacts.size).toBe(8);
		// Three users unread: within "Removals Always Allowed" (5), so the guard alone would let them go.
		const failed = directory.read({ kind: 'failed', after: 5 }, undefined);
		expect(failed[5]).toMatchObject({ code: 'missingId' });
		expect((failed[5] as { sourceId?: string }).sourceId).toBeUndefined();
		await sync(failed);
		expect(mm.count('DELETE')).toBe(0);
		expect(mm.contacts.size).toBe(8);
	});
});

describe('case 8: a department named like a hand-made list', () => {
	it('case 8: a user with department "VIP" does not make the hand-made "VIP" list managed: every hand-picked member stays', async () => {
		const { mm, person, sync } = account();
		await sync([user(1, { lists: ['Sales'] }), user(2, { lists: ['Sales'] })]);
		const vip = person.createList('VIP');
		const guest = person.createContact({
			firstName: 'Guest',
			channels: [{ channelId: '+61400000888', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
			listIds: [vip.id],
		});
		for (const n of [1, 2]) person.addToList(mm.byPhone(phoneOf(n))[0].id, vip.id);
		await sync([
			user(1, { lists: ['Sales'] }),
			user(2, { lists: ['Sales'] }),
			user(3, { lists: ['VIP'] }),
		]);
		const members = mm.all().filter((c) => c.lists.some((l) => l.id === vip.id));
		expect(members.map((c) => c.id).sort()).toEqual(
			[guest?.id, ...[1, 2, 3].map((n) => mm.byPhone(phoneOf(n))[0].id)].sort(),
		);
	});
});

describe('case 11: two-way under each PATCH reading', () => {
	it('case 11: two-way under the replace reading: writing the base keeps the link, so contacts stay linked and nothing is duplicated', async () => {
		const w = twoWay('replace');
		const u = w.directory.hire('+61412001001', 'Sales');
		await w.run('bidirectional');
		const email = () => w.mm.fieldValue(w.mm.render(w.contactOf(u)), 'Email');
		w.directory.update(u.id, { surname: 'Changed' });
		await w.run('bidirectional');
		// Right after the run that wrote the new base: still linked (contactOf throws otherwise), email kept.
		expect(w.contactOf(u).attributes.lastName).toBe('Changed');
		expect(email()).toBe(u.mail);
		await w.run('bidirectional');
		expect(w.mm.writes()).toEqual([]);
		expect(w.mm.contacts.size).toBe(1);
	});

	it('case 11: two-way under the merge reading: after a number change the old number is never written back to the directory', async () => {
		const w = twoWay('merge');
		const u = w.directory.hire('+61412001001', 'Sales');
		await w.run('bidirectional');
		w.directory.update(u.id, { mobilePhone: '0412 001 002' });
		await w.run('bidirectional');
		await w.run('bidirectional');
		expect(w.writer.calls.filter((c) => JSON.stringify(c.changes).includes('001 001'))).toEqual([]);
		expect(e164(u.mobilePhone)).toBe('+61412001002');
		expect(
			w
				.contactOf(u)
				.channels.filter((c) => c.type === 'SMS')
				.map((c) => c.channelId),
		).toContain('+61412001002');
	});
});
