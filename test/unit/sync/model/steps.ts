/**
 * The steps of the model as data (so fast-check shrinks them and a counterexample prints as a
 * readable list): directory changes, hand edits in MessageMedia, sync runs and settling. `apply`
 * resolves the indices against the world's current users and contacts (modulo their count).
 */

import fc from 'fast-check';

import type { ChannelType } from '../../../../lib/messagemedia/types';
import type { RemovalPolicy } from '../../../../lib/sync';
import { DEPARTMENTS, e164, freshNumber, messy, poolNumber } from './directory';
import { LINK_LABEL } from './snapshot';
import type { RunSpec, SequenceConfig, World } from './world';

export type { SequenceConfig };

export const POOL = 8;

export type Step =
	| { t: 'hire'; number: number; dept: number; style: number }
	| { t: 'leave' | 'enable' | 'delete' | 'restore' | 'rename'; user: number }
	| { t: 'number'; user: number; number: number; style: number }
	| { t: 'swap'; a: number; b: number }
	| { t: 'recycle' | 'dept'; user: number; dept: number }
	| { t: 'stop'; number: number }
	| {
			t: 'unsubscribe' | 'resubscribe' | 'unlink' | 'handDelete' | 'mmRename';
			contact: number;
	  }
	| {
			t: 'handContact';
			number: number;
			email: boolean;
			field: boolean;
			list: number;
	  }
	| { t: 'handList'; name: number; members: number[] }
	| { t: 'member'; contact: number; list: number; add: boolean }
	| { t: 'field'; contact: number; value: number; managed: boolean }
	| { t: 'channel'; contact: number; type: ChannelType; number: number }
	| { t: 'relink'; contact: number; user: number }
	| { t: 'mmNumber'; contact: number; fresh: number }
	| { t: 'run'; spec: RunSpec }
	| { t: 'settle' };

const HAND_LISTS = ['VIP', 'Friends', 'Sales'];
const HAND_FIELDS = ['Nickname', 'Badge'];
const POLICIES: RemovalPolicy[] = ['delete', 'removeFromLists', 'unsubscribe', 'ignore'];

const ix = fc.nat({ max: 40 });
const numberIx = fc.integer({ min: -1, max: POOL - 1 });

export const runSpec: fc.Arbitrary<RunSpec> = fc.record({
	read: fc.constantFrom<RunSpec['read']>('full', 'full', 'delta', 'delta', 'failed', 'empty'),
	failedAfter: fc.nat({ max: 6 }),
	direction: fc.constantFrom<RunSpec['direction']>(
		'one-way',
		'bidirectional',
		'bidirectional',
		'reverse',
	),
	policy: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 3, arbitrary: fc.constant(null) },
		{ weight: 1, arbitrary: fc.constantFrom(...POLICIES) },
	),
	dryRun: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 3, arbitrary: fc.constant(false) },
		{ weight: 1, arbitrary: fc.constant(true) },
	),
	continueOnFail: fc.boolean(),
	brokenAction: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 4, arbitrary: fc.constant(-1) },
		{ weight: 1, arbitrary: ix },
	),
	brokenPhone: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 4, arbitrary: fc.constant(-1) },
		{ weight: 1, arbitrary: ix },
	),
	minRemovalsBeforeGuard: fc.constantFrom(5, 0, 1, 2),
	maxRemovalPercent: fc.constantFrom(10, 50),
	allowMassRemoval: fc.boolean(),
	continueWithoutRemovals: fc.boolean(),
	concurrency: fc.integer({ min: 1, max: 4 }),
	faultRate: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 3, arbitrary: fc.constant(0) },
		{ weight: 1, arbitrary: fc.integer({ min: 5, max: 40 }) },
	),
	faultSeed: fc.nat(),
	crashAfter: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 4, arbitrary: fc.constant(-1) },
		{ weight: 1, arbitrary: fc.nat({ max: 12 }) },
	),
});

export const sequenceConfig: fc.Arbitrary<SequenceConfig> = fc.record({
	patchArrays: fc.constantFrom('replace' as const, 'merge' as const),
	twoWay: fc.boolean(),
	policy: fc.constantFrom(...POLICIES),
	adoptExisting: fc.oneof(
		{ withCrossShrink: true },
		{ weight: 4, arbitrary: fc.constant(true) },
		{ weight: 1, arbitrary: fc.constant(false) },
	),
	authority: fc.constantFrom('directory' as const, 'messaging' as const, 'newest' as const),
});

export const step: fc.Arbitrary<Step> = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.record({
			t: fc.constant('hire' as const),
			number: numberIx,
			dept: fc.nat({ max: DEPARTMENTS.length - 1 }),
			style: fc.nat({ max: 3 }),
		}),
	},
	{
		weight: 3,
		arbitrary: fc.record({
			t: fc.constantFrom(
				'leave' as const,
				'enable' as const,
				'delete' as const,
				'restore' as const,
				'rename' as const,
			),
			user: ix,
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('number' as const),
			user: ix,
			number: numberIx,
			style: fc.nat({ max: 3 }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({ t: fc.constant('swap' as const), a: ix, b: ix }),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constantFrom('recycle' as const, 'dept' as const),
			user: ix,
			dept: fc.nat({ max: DEPARTMENTS.length - 1 }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			t: fc.constant('stop' as const),
			number: fc.nat({ max: POOL - 1 }),
		}),
	},
	{
		weight: 3,
		arbitrary: fc.record({
			t: fc.constantFrom(
				'unsubscribe' as const,
				'resubscribe' as const,
				'unlink' as const,
				'handDelete' as const,
				'mmRename' as const,
			),
			contact: ix,
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('handContact' as const),
			number: fc.nat({ max: POOL + 3 }),
			email: fc.boolean(),
			field: fc.boolean(),
			list: fc.integer({ min: -1, max: 4 }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			t: fc.constant('handList' as const),
			name: fc.nat({ max: HAND_LISTS.length - 1 }),
			members: fc.array(ix, { maxLength: 3 }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			t: fc.constant('member' as const),
			contact: ix,
			list: ix,
			add: fc.boolean(),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('field' as const),
			contact: ix,
			value: fc.nat({ max: 9 }),
			managed: fc.boolean(),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('channel' as const),
			contact: ix,
			type: fc.constantFrom<ChannelType>('EMAIL', 'WHATSAPP', 'SMS'),
			number: fc.nat({ max: POOL - 1 }),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			t: fc.constant('relink' as const),
			contact: ix,
			user: ix,
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			t: fc.constant('mmNumber' as const),
			contact: ix,
			fresh: fc.nat({ max: 20 }),
		}),
	},
	{
		weight: 8,
		arbitrary: fc.record({ t: fc.constant('run' as const), spec: runSpec }),
	},
	{ weight: 1, arbitrary: fc.constant({ t: 'settle' as const }) },
);

/** A number no other user and no contact holds (a change to it can reach the other side). */
function unused(w: World, number: string, self: string): boolean {
	const users = [...w.directory.users.values()].filter(
		(u) => u.id !== self && e164(u.mobilePhone) === number,
	);
	return users.length === 0 && w.mm.holderOf({ type: 'SMS', channelId: number }) === undefined;
}

/** The run a counterexample's run steps are printed against (only what differs is shown). */
export const PLAIN_RUN: RunSpec = {
	read: 'full',
	failedAfter: 0,
	direction: 'one-way',
	policy: null,
	dryRun: false,
	continueOnFail: false,
	brokenAction: -1,
	brokenPhone: -1,
	minRemovalsBeforeGuard: 5,
	maxRemovalPercent: 10,
	allowMassRemoval: false,
	continueWithoutRemovals: false,
	concurrency: 1,
	faultRate: 0,
	faultSeed: 0,
	crashAfter: -1,
};

/** A step as a short line: `run {"read":"delta","crashAfter":3}`, `hire {"number":2,...}`. */
export function describeStep(s: Step): string {
	const { t, ...rest } = s;
	if (s.t !== 'run') return `${t} ${JSON.stringify(rest)}`;
	const changed = Object.entries(s.spec).filter(
		([key, value]) => PLAIN_RUN[key as keyof RunSpec] !== value,
	);
	return `run ${JSON.stringify(Object.fromEntries(changed))}`;
}

const pick = <T>(values: T[], i: number): T | undefined =>
	values.length === 0 ? undefined : values[i % values.length];

/** Applies one step to the world. */
export async function apply(w: World, s: Step): Promise<void> {
	w.count(`step:${s.t}`);
	w.count(`patch arrays:${w.config.patchArrays}`);
	const users = [...w.directory.users.values()].sort((a, b) => a.id.localeCompare(b.id));
	const contacts = [...w.mm.contacts.values()].sort((a, b) => a.id.localeCompare(b.id));
	const d = w.directory;
	const number = (n: number) => (n < 0 ? undefined : poolNumber(n));
	switch (s.t) {
		case 'run':
			return await w.run(s.spec);
		case 'settle':
			return await w.settle();
		case 'hire':
			return w.act(() => void d.hire(number(s.number), DEPARTMENTS[s.dept], s.style), 'directory');
		case 'number':
		case 'leave':
		case 'enable':
		case 'delete':
		case 'rename':
		case 'recycle':
		case 'dept': {
			const user = pick(users, s.user);
			if (!user) return;
			if (s.t === 'number')
				d.update(user.id, {
					mobilePhone: s.number < 0 ? undefined : messy(poolNumber(s.number), s.style),
				});
			else if (s.t === 'leave') d.setEnabled(user.id, false);
			else if (s.t === 'enable') d.setEnabled(user.id, true);
			else if (s.t === 'delete') d.remove(user.id);
			else if (s.t === 'recycle') d.recycle(user.id, DEPARTMENTS[s.dept]);
			else if (s.t === 'dept') d.update(user.id, { department: DEPARTMENTS[s.dept] });
			else {
				const surname = `${user.surname}x`;
				d.update(user.id, { surname });
				w.oneSided(user.id, 'lastName', surname, 'directory');
			}
			if (s.t === 'number' && s.number >= 0 && unused(w, poolNumber(s.number), user.id))
				w.oneSided(user.id, 'phone', poolNumber(s.number), 'directory');
			if (s.t === 'leave' || s.t === 'delete' || s.t === 'recycle') w.forget(user.id);
			return;
		}
		case 'restore': {
			const gone = pick([...d.deleted.keys()].sort(), s.user);
			if (gone) d.restore(gone);
			return;
		}
		case 'swap': {
			const a = pick(users, s.a);
			const b = pick(users, s.b);
			if (!a || !b || a === b) return;
			d.swapNumbers(a.id, b.id);
			w.forget(a.id);
			w.forget(b.id);
			return;
		}
		default:
			return w.act(() => handEdit(w, s, contacts), 'person');
	}
}

/** Hand edits in MessageMedia (a person in the web app). */
function handEdit(w: World, s: Step, contacts: ReturnType<World['mm']['contacts']['get']>[]): void {
	const p = w.person;
	const linkField = () => p.field(LINK_LABEL);
	const linkOf = (c: { customFields: Map<string, string> }) =>
		w.mm.field(LINK_LABEL) && c.customFields.get((w.mm.field(LINK_LABEL) as { id: string }).id);
	const contact = 'contact' in s ? pick(contacts, s.contact) : undefined;
	const sms = contact?.channels.find((c) => c.type === 'SMS');
	// A person who unlinks, re-links or deletes a contact takes its one-sided changes with it.
	const linkedBefore = contact && linkOf(contact);
	const forgetLinked = () => {
		if (linkedBefore) w.forget(String(linkedBefore).toLowerCase());
	};
	switch (s.t) {
		case 'stop':
			return p.replyStop(poolNumber(s.number));
		case 'unsubscribe':
		case 'resubscribe':
			if (contact && sms)
				p.setSubscription(
					contact.id,
					sms.channelId,
					s.t === 'unsubscribe' ? 'UNSUBSCRIBED' : 'SUBSCRIBED',
				);
			return;
		case 'unlink':
			if (contact) p.setField(contact.id, linkField().id, undefined);
			forgetLinked();
			return;
		case 'relink': {
			// A person edits the link: tidies its case, or mistypes it (never points it at another real user).
			const link = contact && linkOf(contact);
			if (contact && link)
				p.setField(
					contact.id,
					linkField().id,
					s.user % 2 === 0 ? link.toUpperCase() : `${link.slice(0, -1)}x`,
				);
			forgetLinked();
			return;
		}
		case 'handDelete':
			if (contact) p.deleteContact(contact.id);
			forgetLinked();
			return;
		case 'mmRename':
		case 'mmNumber': {
			const link = contact && linkOf(contact) ? String(linkOf(contact)).toLowerCase() : undefined;
			if (!contact) return;
			if (s.t === 'mmRename') {
				const value = `${contact.attributes.lastName ?? ''}m`;
				if (p.setAttribute(contact.id, 'lastName', value) && link)
					w.oneSided(link, 'lastName', value, 'messaging');
			} else if (s.t === 'mmNumber' && p.changeNumber(contact.id, freshNumber(s.fresh)) && link)
				w.oneSided(link, 'phone', freshNumber(s.fresh), 'messaging');
			return;
		}
		case 'handContact': {
			const channelId = s.number < POOL ? poolNumber(s.number) : freshNumber(30 + s.number);
			const lists = [...w.mm.lists.values()];
			const made = p.createContact({
				firstName: 'Hand',
				lastName: `Made${s.number}`,
				channels: [
					{ channelId, type: 'SMS', subscriptionState: 'SUBSCRIBED' },
					...(s.email
						? [
								{
									channelId: `hand${s.number}@example.com`,
									type: 'EMAIL' as const,
								},
							]
						: []),
				],
				fields: s.field ? { [p.field(HAND_FIELDS[0]).id]: `nick${s.number}` } : {},
				listIds: s.list >= 0 && lists.length > 0 ? [lists[s.list % lists.length].id] : [],
			});
			return void made;
		}
		case 'handList': {
			const list = p.createList(HAND_LISTS[s.name]);
			for (const m of s.members) {
				const c = pick(contacts, m);
				if (c) p.addToList(c.id, list.id);
			}
			return;
		}
		case 'member': {
			const list = pick([...w.mm.lists.values()], s.list);
			if (!contact || !list) return;
			if (s.add) p.addToList(contact.id, list.id);
			else p.removeFromList(contact.id, list.id);
			return;
		}
		case 'field': {
			if (!contact) return;
			const field = s.managed ? p.field('Email', 'EMAIL') : p.field(HAND_FIELDS[s.value % 2]);
			p.setField(contact.id, field.id, s.managed ? `hand${s.value}@example.com` : `v${s.value}`);
			return;
		}
		case 'channel': {
			if (!contact) return;
			const channelId = s.type === 'EMAIL' ? `person${s.number}@example.com` : poolNumber(s.number);
			p.addChannel(contact.id, {
				channelId,
				type: s.type,
				subscriptionState: 'SUBSCRIBED',
			});
			return;
		}
	}
}
