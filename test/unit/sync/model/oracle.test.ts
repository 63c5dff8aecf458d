/**
 * The oracle itself: each invariant check finds a violation planted in a hand-made state, and is
 * silent on the same state without it (a check that can't fail proves nothing).
 */

import type { ContactChannel } from '../../../../lib/messagemedia/types';
import {
	checkConsent,
	checkConverged,
	checkCrash,
	checkDryRun,
	checkGuard,
	checkPreserved,
	History,
	type GuardContext,
} from './oracle';
import { poolNumber } from './directory';
import { managedLabels, type SnapContact, type Snapshot } from './snapshot';
import { World } from './world';

const FIELDS = new Map([
	['f-link', 'Entra Object ID'],
	['f-email', 'Email'],
	['f-nick', 'Nickname'],
]);
const LISTS = new Map([
	['l-sales', 'Sales'],
	['l-vip', 'VIP'],
]);

const sms = (
	channelId: string,
	state: ContactChannel['subscriptionState'] = 'SUBSCRIBED',
): ContactChannel => ({ channelId, type: 'SMS', subscriptionState: state });

function contact(id: string, init: Partial<SnapContact> = {}): SnapContact {
	return {
		id,
		attributes: {},
		channels: [sms(`+6141200100${id.slice(-1)}`)],
		fields: {},
		listIds: [],
		...init,
	};
}

function state(contacts: SnapContact[], optedOut: string[] = []): Snapshot {
	return {
		contacts: new Map(contacts.map((c) => [c.id, c])),
		lists: new Map(LISTS),
		fields: new Map(FIELDS),
		optedOut: new Set(optedOut),
	};
}

describe('History', () => {
	it('remembers a number unsubscribed or opted out, and forgets it only when a person gives consent again', () => {
		const h = new History();
		const before = state([contact('c1')]);
		const unsubscribed = state(
			[contact('c1', { channels: [sms('+61412001001', 'UNSUBSCRIBED')] })],
			['+61412001009'],
		);
		h.observe(before, unsubscribed, 'sync');
		expect([...h.unsubscribed].sort()).toEqual(['+61412001001', '+61412001009']);
		// the sync re-subscribing is no consent
		h.observe(unsubscribed, state([contact('c1')], ['+61412001009']), 'sync');
		expect(h.unsubscribed.has('+61412001001')).toBe(true);
		// a person re-subscribing is; the opt-out list is never forgotten by a deletion
		h.observe(unsubscribed, state([contact('c1')], ['+61412001009']), 'person');
		expect([...h.unsubscribed]).toEqual(['+61412001009']);
		h.observe(state([], ['+61412001009']), state([]), 'person');
		expect([...h.unsubscribed]).toEqual([]);
	});

	it('records who made each membership and list', () => {
		const h = new History();
		h.observe(state([contact('c1')]), state([contact('c1', { listIds: ['l-vip'] })]), 'person');
		h.observe(
			state([contact('c1', { listIds: ['l-vip'] })]),
			state([contact('c1', { listIds: ['l-vip', 'l-sales'] })]),
			'sync',
		);
		expect([h.madeBy('c1', 'l-vip'), h.madeBy('c1', 'l-sales')]).toEqual(['person', 'sync']);
	});
});

describe('checkConsent', () => {
	const h = new History();
	h.unsubscribed.add('+61412001001');
	const before = state([contact('c1', { channels: [sms('+61412001001', 'UNSUBSCRIBED')] })]);

	it('is silent when the opt-out holds', () => {
		expect(
			checkConsent(h, before, before, [
				{ method: 'PATCH', path: '/c1', body: { channels: [sms('+61412001001', 'UNSUBSCRIBED')] } },
			]),
		).toEqual([]);
	});

	it('finds SUBSCRIBED sent for the number, and stored by the step', () => {
		const after = state([contact('c1', { channels: [sms('+61412001001')] })]);
		const found = checkConsent(h, before, after, [
			{ method: 'POST', path: '/contacts', body: { channels: [sms('+61412001001')] } },
		]);
		expect(found).toEqual([
			expect.stringMatching(/^consent: POST \/contacts sent \+61412001001 SUBSCRIBED/),
			expect.stringMatching(/^consent: contact c1 now holds/),
		]);
	});
});

describe('checkPreserved', () => {
	const managed = managedLabels([]);
	const h = new History();
	const made = contact('c1', {
		link: 'u1',
		fields: { 'f-link': 'u1', 'f-nick': 'Bo' },
		channels: [sms('+61412001001'), { channelId: 'a@b.c', type: 'EMAIL' }],
		listIds: ['l-vip'],
	});
	h.observe(state([contact('c1', { link: 'u1' })]), state([made]), 'person');
	h.managed.set('c1', '+61412001001');
	const before = state([made, contact('c2')]);

	it('is silent when the sync changes only what it manages', () => {
		const after = state([
			{
				...made,
				fields: { ...made.fields, 'f-email': 'x@y.z' },
				channels: [sms('+61412001005'), made.channels[1]],
			},
			contact('c2'),
		]);
		expect(checkPreserved(h, before, after, managed)).toEqual([]);
	});

	it('finds a deleted unlinked contact, a lost field value, channel and hand-made membership', () => {
		const after = state([
			{ ...made, fields: { 'f-link': 'u1' }, channels: [sms('+61412001001')], listIds: [] },
		]);
		expect(checkPreserved(h, before, after, managed)).toEqual([
			expect.stringMatching(/lost "Nickname" = "Bo"/),
			expect.stringMatching(/lost its EMAIL channel a@b.c/),
			expect.stringMatching(/taken out of "VIP", a membership a person made/),
			expect.stringMatching(/unlinked contact c2 .* was deleted/),
		]);
	});
});

describe('checkPreserved: SMS channels', () => {
	const two = contact('c1', { link: 'u1', channels: [sms('+61412001001'), sms('+61412001002')] });
	const history = new History();
	history.observe(state([]), state([two]), 'sync', new Map([['u1', '+61412001001']]));
	const check = (channels: ContactChannel[]) =>
		checkPreserved(history, state([two]), state([{ ...two, channels }]), managedLabels([]));

	it('knows the managed number from the last sync, and follows a person re-numbering it', () => {
		expect(history.managed.get('c1')).toBe('+61412001001');
		const h = new History();
		h.observe(state([]), state([two]), 'sync', new Map([['u1', '+61412001001']]));
		h.observe(
			state([two]),
			state([{ ...two, channels: [sms('+61412001009'), sms('+61412001002')] }]),
			'person',
		);
		expect(h.managed.get('c1')).toBe('+61412001009');
	});

	it('lets the sync re-number the SMS channel it manages, or merge it into another', () => {
		expect(check([sms('+61412001005'), sms('+61412001002')])).toEqual([]);
		expect(check([sms('+61412001002')])).toEqual([]);
	});

	it('finds another SMS number dropped, and a channel re-subscribed', () => {
		expect(check([sms('+61412001001'), sms('+61412001005')])).toEqual([
			'preserved: contact c1 lost its SMS channel +61412001002',
		]);
		expect(
			checkPreserved(
				history,
				state([{ ...two, channels: [sms('+61412001001', 'UNSUBSCRIBED')] }]),
				state([{ ...two, channels: [sms('+61412001001')] }]),
				managedLabels([]),
			),
		).toEqual(["preserved: contact c1's SMS channel +61412001001 went UNSUBSCRIBED → SUBSCRIBED"]);
	});
});

describe('checkGuard', () => {
	const linked = [1, 2, 3, 4].map((n) => contact(`c${n}`, { link: `u${n}`, listIds: ['l-sales'] }));
	const ctx: GuardContext = {
		upserts: new Set(['u1']),
		inScope: new Set(['u1']),
		minRemovalsBeforeGuard: 2,
		maxRemovalPercent: 10,
		allowMassRemoval: false,
	};

	it('is silent up to the threshold, and for list moves of users the run upserts', () => {
		const after = state([{ ...linked[0], listIds: [] }, linked[1], linked[2]]);
		expect(checkGuard(state(linked), after, ctx)).toEqual([]);
	});

	it('finds removals above the threshold, and a removed contact of a user still in scope', () => {
		const after = state([linked[1]]);
		expect(checkGuard(state(linked), after, ctx)).toEqual([
			'guard: contact c1 of user u1, still in scope in the directory, was deleted',
			expect.stringMatching(/^guard: 3 contacts removed, above the threshold of 2/),
		]);
		expect(
			checkGuard(
				state(linked),
				state([linked[0], { ...linked[1], channels: [sms('+61412001002', 'UNSUBSCRIBED')] }]),
				{ ...ctx, allowMassRemoval: true },
			),
		).toEqual([]);
	});
});

describe('checkConverged', () => {
	const h = new History();
	const before = state([]);
	const c1 = contact('c1', { link: 'u1', listIds: ['l-sales'], channels: [sms('+61412001001')] });
	h.observe(before, state([c1]), 'sync');
	const users = [{ id: 'U1', phone: '+61412001001', lists: ['Sales'] }];
	const opts = { adoptExisting: true, removeFromLists: true };

	it('is silent on a converged account', () => {
		expect(checkConverged(h, state([c1]), users, [], opts)).toEqual([]);
	});

	it('finds writes of the last run, a missing or second contact, a wrong link, list drift and a leaver left in a list', () => {
		expect(checkConverged(h, state([c1]), users, ['PATCH /x'], opts)).toEqual([
			'converged: the run after settling still wrote PATCH /x',
		]);
		expect(checkConverged(h, state([]), users, [], opts)).toEqual([
			'converged: 0 contacts hold +61412001001 of user U1',
		]);
		expect(checkConverged(h, state([{ ...c1, link: 'u9' }]), users, [], opts)).toEqual([
			expect.stringMatching(/linked to u9, not to its user U1/),
			expect.stringMatching(/leaver u9 is still in "Sales"/),
		]);
		expect(checkConverged(h, state([c1]), [{ ...users[0], lists: ['VIP'] }], [], opts)).toEqual([
			`converged: user U1's contact is not in "VIP"`,
			`converged: user U1's contact is still in "Sales"`,
		]);
	});
});

describe('checkDryRun and checkCrash', () => {
	it('find a dry run that wrote or differs from the real run', () => {
		const digest = { guard: 'ok', failed: false, outcomes: ['u1:created:'] };
		expect(checkDryRun(digest, digest, 0)).toEqual([]);
		expect(checkDryRun(digest, { ...digest, guard: 'tripped' }, 1)).toEqual([
			expect.stringMatching(/^dry run: 1 write/),
			expect.stringMatching(/^dry run: reported/),
		]);
	});

	it('finds a resumed run that ends elsewhere, or with a second contact for a user', () => {
		const one = state([contact('c1', { link: 'u1' })]);
		const two = state([contact('c1', { link: 'u1' }), contact('c2', { link: 'u1' })]);
		expect(checkCrash(['a'], [['a'], ['a', 'c']], one, one)).toEqual([]);
		expect(checkCrash(['a', 'c'], [['a'], ['a', 'c']], one, one)).toEqual([]);
		expect(checkCrash(['a', 'b'], [['a'], ['a', 'c']], two, one)).toEqual([
			expect.stringMatching(/^crash: the resumed run differs: extra \["b"\], missing \["c"\]/),
			'crash: user u1 now has 2 contacts',
		]);
	});
});

describe('the two-way check (World)', () => {
	it('finds a one-sided change that is on neither side after settling, and is silent when it arrived', async () => {
		const w = new World({
			patchArrays: 'merge',
			twoWay: true,
			policy: 'delete',
			adoptExisting: true,
			authority: 'directory',
		});
		const user = w.directory.hire(poolNumber(1), 'Sales');
		await w.settle();
		expect(w.violations).toEqual([]);
		w.oneSided(user.id, 'lastName', user.surname, 'messaging');
		await w.settle();
		expect(w.violations).toEqual([]);
		w.oneSided(user.id, 'lastName', 'Planted', 'messaging');
		await w.settle();
		expect(w.violations).toEqual([
			expect.stringMatching(/^settled: two-way: lastName "Planted" changed on one side/),
		]);
	});
});
