/** The planner on plain data: desired items against a given account state, no client. */

import type { Contact, ContactList, CustomField } from '../../../lib/messagemedia/types';
import {
	classifyInput,
	diffContact,
	encodeRecord,
	listHash,
	mergeTagFor,
	planSync,
	type ActualState,
	type PlanEntry,
} from '../../../lib/sync';
import { guid, inputs, options, phoneOf, removal, user } from './fixtures';

const LINK: CustomField = field('f-link', 'Entra Object ID', 'entra_object_id', 'TEXT');
const EMAIL: CustomField = field('f-email', 'Email', 'email', 'EMAIL');
const RECORD: CustomField = {
	...field('f-record', 'Entra Sync State', 'entra_sync_state', 'TEXT'),
	maxLength: 1000,
};
const SALES: ContactList = list('l-sales', 'Sales');
const SUPPORT: ContactList = list('l-support', 'Support');

function field(
	id: string,
	label: string,
	mergeTag: string,
	type: CustomField['type'],
): CustomField {
	return {
		id,
		accountId: 'a',
		vendorId: 'v',
		label,
		mergeTag,
		maxLength: 64,
		type,
		createdDate: '2026-01-01T00:00:00Z',
		lastModifiedDate: '2026-01-01T00:00:00Z',
	};
}

function list(id: string, name: string, createdDate = '2026-01-01T00:00:00Z'): ContactList {
	return {
		id,
		accountId: 'a',
		vendorId: 'v',
		name,
		alias: '',
		createdDate,
		lastModifiedDate: createdDate,
	};
}

/** The contact the sync would have made for user `n`, with overrides. */
function linkedContact(n: number, overrides: Partial<Contact> = {}): Contact {
	return {
		id: `c-${n}`,
		accountId: 'a',
		vendorId: 'v',
		firstName: `First${n}`,
		lastName: `Last${n}`,
		fullName: `First${n} Last${n}`,
		alias: '',
		country: '',
		state: '',
		location: '',
		note: '',
		createdDate: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
		lastModifiedDate: '2026-01-01T00:00:00Z',
		customFields: [
			{ id: LINK.id, mergeTag: LINK.mergeTag, value: guid(n), type: 'TEXT' },
			{ id: EMAIL.id, mergeTag: EMAIL.mergeTag, value: `user${n}@example.com`, type: 'EMAIL' },
			// The ownership record: the sync made the number and the list membership.
			{
				id: RECORD.id,
				mergeTag: RECORD.mergeTag,
				value: encodeRecord({
					phone: phoneOf(n),
					lists: [listHash(n % 2 === 0 ? 'Sales' : 'Support')],
				}),
				type: 'TEXT',
			},
		],
		channels: [{ channelId: phoneOf(n), type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
		lists: [n % 2 === 0 ? { id: SALES.id, name: 'Sales' } : { id: SUPPORT.id, name: 'Support' }],
		...overrides,
	};
}

function state(contacts: Contact[], extra: Partial<ActualState> = {}): ActualState {
	return {
		contacts,
		complete: true,
		lists: [SALES, SUPPORT],
		customFields: [LINK, EMAIL, RECORD],
		...extra,
	};
}

const kinds = (entries: PlanEntry[]) => entries.map((e) => `${e.kind}:${e.outcome.action}`);

describe('input classification', () => {
	it('drops {} placeholders, keeps Mapper rejects in scope and names items that are not sync items', () => {
		const { inputs: classified, invalid } = classifyInput([
			{},
			user(1),
			{ sourceId: guid(2), code: 'invalidPhone', reason: 'bad number', source: {} },
			{ hello: 'world' },
			{ sourceId: guid(3), action: 'upsert', contact: { phone: '0412 345 678' } },
			removal(4),
		]);
		expect(classified.map((i) => [i.kind, i.index])).toEqual([
			['item', 1],
			['rejected', 2],
			['invalid', 3],
			['rejected', 4],
			['item', 5],
		]);
		expect(invalid).toEqual([
			{ index: 3, message: expect.stringMatching(/^Item 3 is not a Contact Mapper item/) },
		]);
		expect(classified[3]).toMatchObject({
			sourceId: guid(3),
			reason: expect.stringMatching(/not an E\.164 number/),
		});
	});
});

describe('planSync', () => {
	it('plans nothing for contacts that already match', () => {
		const plan = planSync(
			inputs([user(1), user(2)]),
			state([linkedContact(1), linkedContact(2)]),
			options(),
		);
		expect(kinds(plan.entries)).toEqual(['report:unchanged', 'report:unchanged']);
		expect(plan.fields).toEqual({});
		expect(plan.lists).toEqual({});
	});

	it('treats "" and a missing value alike, and leaves fields the item does not carry alone', () => {
		const contact = linkedContact(1, { note: 'set by hand', alias: '' });
		const item = user(1, { alias: '' });
		delete item.contact?.email;
		const plan = planSync(inputs([item]), state([contact]), options());
		expect(kinds(plan.entries)).toEqual(['report:unchanged']);
	});

	it('clears a field the item sets to "" but never clears a date of birth', () => {
		const contact = linkedContact(1, { note: 'old', dateOfBirth: '1990-01-01' });
		const plan = planSync(
			inputs([user(1, { note: '', dateOfBirth: '' })]),
			state([contact]),
			options(),
		);
		expect(plan.entries[0]).toMatchObject({
			kind: 'update',
			attributes: { note: '' },
			outcome: { changes: { note: { from: 'old', to: '' } } },
		});
	});

	it('compares lists as sets of names, case-insensitively; takes away only memberships it recorded or of handed lists', () => {
		const contact = linkedContact(2, {
			lists: [
				{ id: SALES.id, name: 'Sales' },
				{ id: 'l-vip', name: 'VIP' },
			],
		});
		const plan = planSync(
			inputs([user(2, { lists: ['sales', 'SALES'] })]),
			state([contact]),
			options(),
		);
		expect(kinds(plan.entries)).toEqual(['report:unchanged']);
		// Sales is the sync's (recorded); VIP was added by a person and stays.
		const moved = planSync(inputs([user(2, { lists: ['Support'] })]), state([contact]), options());
		expect(moved.entries[0]).toMatchObject({
			kind: 'update',
			listsAdd: ['support'],
			listsRemove: ['sales'],
			attributes: {},
		});
		expect((moved.entries[0] as { channels?: unknown }).channels).toBeUndefined();
		expect(moved.entries[0].outcome.lists).toEqual({ added: ['Support'], removed: ['Sales'] });
		// Without a record, only a list handed to the sync ("Managed Lists") gives the membership up.
		const unrecorded = {
			...contact,
			customFields: contact.customFields.filter((cf) => cf.id !== RECORD.id),
		};
		const notOurs = planSync(
			inputs([user(2, { lists: ['Support'] })]),
			state([unrecorded]),
			options(),
		);
		expect(notOurs.entries[0]).toMatchObject({ listsAdd: ['support'], listsRemove: [] });
		const handed = planSync(
			inputs([user(2, { lists: ['Support'] })]),
			state([unrecorded]),
			options({ managedLists: ['Sales'] }),
		);
		expect(handed.entries[0]).toMatchObject({ listsAdd: ['support'], listsRemove: ['sales'] });
	});

	it('resolves lists to the oldest of several with the same name, and plans missing lists as "to create"', () => {
		const plan = planSync(
			inputs([user(1, { lists: ['Marketing', 'sales'] })]),
			state([], { lists: [list('l-new', 'SALES', '2026-05-01T00:00:00Z'), SALES] }),
			options(),
		);
		expect(plan.lists).toEqual({
			marketing: { name: 'Marketing' },
			sales: { id: SALES.id, name: 'Sales' },
		});
		expect(
			planSync(
				inputs([user(1, { lists: ['Marketing'] })]),
				state([]),
				options({ createMissingLists: false }),
			).entries[0].outcome,
		).toMatchObject({
			action: 'failed',
			error: { message: expect.stringMatching(/List "Marketing" doesn't exist/) },
		});
	});

	it('resolves custom field keys by label or merge tag and creates unknown ones only when allowed', () => {
		const cost = field('f-cost', 'Cost Centre', 'cost_centre', 'TEXT');
		const plan = planSync(
			inputs([user(1, { customFields: { cost_centre: 'A', 'Badge No': '7' } })]),
			state([], { customFields: [LINK, EMAIL, cost] }),
			options(),
		);
		expect(plan.entries[0]).toMatchObject({
			kind: 'create',
			desired: { fields: { cost_centre: 'A', badge_no: '7', entra_object_id: guid(1) } },
		});
		expect(plan.fields.badge_no).toEqual({
			label: 'Badge No',
			mergeTag: 'badge_no',
			type: 'TEXT',
			maxLength: 255,
		});
		const strict = planSync(
			inputs([user(1, { customFields: { 'Badge No': '7' } })]),
			state([]),
			options({ createMissingFields: false }),
		);
		expect(strict.entries[0].outcome).toMatchObject({
			action: 'failed',
			error: { message: expect.stringMatching(/Badge No/) },
		});
	});

	it('rejects a value longer than its custom field allows, leaving the contact alone', () => {
		const plan = planSync(
			inputs([user(1, { email: `${'x'.repeat(60)}@example.com` })]),
			state([linkedContact(1)]),
			options(),
		);
		expect(plan.entries[0].outcome).toMatchObject({
			action: 'rejected',
			reason: '"Email" holds at most 64 characters; the value has 72',
		});
	});

	it('plans the link and email fields when the account lacks them', () => {
		const plan = planSync(inputs([user(1)]), state([], { customFields: [] }), options());
		expect(plan.fields).toEqual({
			entra_object_id: {
				label: 'Entra Object ID',
				mergeTag: 'entra_object_id',
				type: 'TEXT',
				maxLength: 64,
			},
			email: { label: 'Email', mergeTag: 'email', type: 'EMAIL', maxLength: 254 },
			entra_sync_state: {
				label: 'Entra Sync State',
				mergeTag: 'entra_sync_state',
				type: 'TEXT',
				maxLength: 1000,
			},
		});
		expect(mergeTagFor('  Entra Object-ID (v2) ')).toBe('entra_object_id_v2');
	});

	it('replaces only the SMS channel id on a phone change and keeps its subscription state and other channels', () => {
		const contact = linkedContact(1, {
			channels: [
				{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
				{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			],
		});
		const plan = planSync(
			inputs([user(1, { phone: '+61400000123' })]),
			state([contact]),
			options(),
		);
		expect(plan.entries[0]).toMatchObject({
			kind: 'update',
			channels: [
				{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
				{ channelId: '+61400000123', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			],
			outcome: { changes: { phone: { from: phoneOf(1), to: '+61400000123' } } },
		});
	});

	it('never sends a channel set that would lose a channel an update cannot carry (EMAIL): the phone change is a conflict', () => {
		const contact = linkedContact(1, {
			channels: [
				{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'SUBSCRIBED' },
				{ channelId: 'someone@example.com', type: 'EMAIL' },
			],
		});
		const plan = planSync(
			inputs([user(1, { phone: '+61400000123' })]),
			state([contact]),
			options(),
		);
		expect(plan.entries[0]).toMatchObject({
			kind: 'report',
			outcome: { action: 'conflict', reason: expect.stringContaining('EMAIL') },
		});
	});

	it('reports a phone change onto a number another contact has as a conflict, writing nothing', () => {
		const other = linkedContact(2);
		const plan = planSync(
			inputs([user(1, { phone: phoneOf(2) }), user(2)]),
			state([linkedContact(1), other]),
			options(),
		);
		expect(plan.entries[0].outcome).toMatchObject({
			action: 'conflict',
			reason: expect.stringContaining(other.id),
		});
	});

	it('never plans anything for unlinked contacts other than adopting one with the same number', () => {
		const manual = linkedContact(9, {
			id: 'manual',
			customFields: [],
			channels: [{ channelId: '+61411111111', type: 'SMS' }],
		});
		const samePhone = linkedContact(1, { id: 'same-phone', customFields: [] });
		const plan = planSync(inputs([user(1)]), state([manual, samePhone]), options());
		expect(plan.entries).toHaveLength(1);
		expect(plan.entries[0]).toMatchObject({
			kind: 'update',
			contactId: 'same-phone',
			outcome: { action: 'adopted' },
			fields: { entra_object_id: guid(1) },
		});
		expect(
			planSync(inputs([user(1)]), state([manual, samePhone]), options({ adoptExisting: false }))
				.entries[0].outcome.action,
		).toBe('conflict');
	});

	it('does not adopt a contact linked to another user, and two items with one number do not both create', () => {
		const theirs = linkedContact(2, { channels: [{ channelId: phoneOf(1), type: 'SMS' }] });
		// Incremental: user 2 is not known to have left, so their contact is theirs.
		expect(
			planSync(inputs([user(1)]), state([theirs]), options({ mode: 'incremental' })).entries[0]
				.outcome,
		).toMatchObject({
			action: 'conflict',
			reason: expect.stringContaining(guid(2)),
		});
		const twins = planSync(inputs([user(7, { phone: phoneOf(8) }), user(8)]), state([]), options());
		expect(kinds(twins.entries)).toEqual(['create:created', 'report:conflict']);
	});

	it('keeps one of two contacts linked to the same user (the one with the number) and unlinks the other', () => {
		const older = linkedContact(1, {
			id: 'older',
			channels: [{ channelId: '+61400000001', type: 'SMS' }],
		});
		const right = linkedContact(1, { id: 'right', createdDate: '2026-02-01T00:00:00Z' });
		const plan = planSync(inputs([user(1)]), state([older, right]), options());
		expect(plan.entries.map((e) => [e.outcome.action, e.outcome.contactId])).toEqual([
			['unchanged', 'right'],
			['unlinked', 'older'],
		]);
	});

	it('in a full run removes linked contacts absent from the input, but not those of rejected items', () => {
		const plan = planSync(
			inputs([user(1), { sourceId: guid(2), code: 'invalidPhone', reason: 'bad', source: {} }]),
			state([linkedContact(1), linkedContact(2), linkedContact(3)]),
			options(),
		);
		expect(kinds(plan.entries)).toEqual(['report:unchanged', 'report:rejected', 'delete:removed']);
		expect(plan.entries[2].outcome).toMatchObject({
			sourceId: guid(3),
			contactId: 'c-3',
			reason: 'absent from the directory read',
		});
		expect(plan.entries[2].outcome.itemIndex).toBeUndefined();
	});

	it('in an incremental run removes only what remove items name', () => {
		const plan = planSync(
			inputs([removal(3, 'disabled')]),
			state([linkedContact(1), linkedContact(3)]),
			options({ mode: 'incremental' }),
		);
		expect(kinds(plan.entries)).toEqual(['delete:removed']);
		expect(plan.entries[0].outcome.reason).toBe('disabled');
		expect(
			kinds(
				planSync(inputs([removal(5)]), state([linkedContact(1)]), options({ mode: 'incremental' }))
					.entries,
			),
		).toEqual(['report:skipped']);
	});

	it.each([
		['unsubscribe', 'update:unsubscribed'],
		['removeFromLists', 'update:removedFromLists'],
		['ignore', 'report:skipped'],
		['delete', 'delete:removed'],
	] as const)('applies removal policy %s', (removalPolicy, expected) => {
		const plan = planSync(
			inputs([user(1), user(2)]),
			state([linkedContact(1), linkedContact(2), linkedContact(3)]),
			options({ removalPolicy }),
		);
		expect(kinds(plan.entries)[2]).toBe(expected);
	});

	it('an unsubscribe removal leaves an already UNSUBSCRIBED contact unchanged', () => {
		const opted = linkedContact(3, {
			channels: [{ channelId: phoneOf(3), type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
		});
		const plan = planSync(
			inputs([user(1)]),
			state([linkedContact(1), opted]),
			options({ removalPolicy: 'unsubscribe' }),
		);
		expect(kinds(plan.entries)).toEqual(['report:unchanged', 'report:unchanged']);
	});

	describe('deletion guard', () => {
		const linked = (count: number) => Array.from({ length: count }, (_, i) => linkedContact(i + 1));
		const keep = (count: number, total: number) =>
			inputs(Array.from({ length: total - count }, (_, i) => user(i + 1)));

		it('always allows up to minRemovalsBeforeGuard removals (5 of 20 is 25%)', () => {
			expect(planSync(keep(5, 20), state(linked(20)), options()).guard).toEqual({
				status: 'ok',
				removals: 5,
				linked: 20,
				threshold: 5,
				membershipRemovals: 0,
				memberships: 20,
				membershipThreshold: 5,
			});
			const six = planSync(keep(6, 20), state(linked(20)), options());
			expect(six.guard).toMatchObject({ status: 'tripped', removals: 6, threshold: 5 });
			expect(kinds(six.entries).filter((k) => k === 'report:blocked')).toHaveLength(6);
		});

		it('allows up to maxRemovalPercent of linked contacts above the floor', () => {
			expect(planSync(keep(30, 300), state(linked(300)), options()).guard).toMatchObject({
				status: 'ok',
				threshold: 30,
			});
			expect(planSync(keep(31, 300), state(linked(300)), options()).guard.status).toBe('tripped');
			expect(
				planSync(keep(31, 300), state(linked(300)), options({ maxRemovalPercent: 20 })).guard
					.status,
			).toBe('ok');
		});

		it('trips on an empty full input even below the floor, and says how to approve', () => {
			const plan = planSync([], state(linked(3)), options());
			expect(plan.guard.status).toBe('tripped');
			expect(plan.guard.message).toMatch(/no user in scope/);
			expect(plan.guard.message).toMatch(/"Allow Removals Above Threshold"/);
			expect(kinds(plan.entries)).toEqual(['report:blocked', 'report:blocked', 'report:blocked']);
		});

		it('counts only removals that write (policy ignore never trips it)', () => {
			expect(
				planSync([], state(linked(50)), options({ removalPolicy: 'ignore' })).guard,
			).toMatchObject({ status: 'ok', removals: 0 });
		});

		it('is overridden by allowMassRemoval', () => {
			const plan = planSync([], state(linked(50)), options({ allowMassRemoval: true }));
			expect(plan.guard.status).toBe('overridden');
			expect(kinds(plan.entries).every((k) => k === 'delete:removed')).toBe(true);
		});
	});

	describe('with partial state (incremental look-up by phone)', () => {
		it('asks for a full scan when an item has no contact linked under its number', () => {
			const partial = state([linkedContact(1)], { complete: false });
			expect(
				planSync(inputs([user(1)]), partial, options({ mode: 'incremental' })).needsFullScan,
			).toBeUndefined();
			expect(
				planSync(inputs([user(1), user(2)]), partial, options({ mode: 'incremental' }))
					.needsFullScan,
			).toMatch(/^1 item/);
			expect(
				planSync(inputs([removal(4)]), partial, options({ mode: 'incremental' })).needsFullScan,
			).toMatch(/^1 item/);
		});
	});
});

describe('planSync: ids the link field cannot hold', () => {
	it('rejects a sourceId longer than the link field instead of failing on create', () => {
		const plan = planSync(
			inputs([{ ...user(1), sourceId: 'x'.repeat(65) }, user(2)]),
			state([]),
			options(),
		);
		expect(kinds(plan.entries)).toEqual(['report:rejected', 'create:created']);
		expect(plan.entries[0].outcome.reason).toBe(
			'"Entra Object ID" holds at most 64 characters; the sourceId has 65',
		);
	});
});

describe('diffContact', () => {
	it('adds an SMS channel to a contact that has none, with the new-contact subscription', () => {
		const contact = linkedContact(1, {
			channels: [
				{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'UNSUBSCRIBED' },
			],
		});
		const diff = diffContact(
			contact,
			{ attributes: {}, phone: phoneOf(1), fields: {} },
			{
				fields: new Map(),
				handed: new Set(),
				record: undefined,
				optedOut: new Set(),
				newSubscription: 'SUBSCRIBED',
			},
			(t) => t,
		);
		expect(diff.channels).toEqual([
			{ channelId: '+61499999999', type: 'WHATSAPP', subscriptionState: 'UNSUBSCRIBED' },
			{ channelId: phoneOf(1), type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
	});
});
