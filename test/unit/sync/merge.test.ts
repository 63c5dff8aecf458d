/**
 * The three-way comparison (base, directory, messaging) over every combination of
 * unchanged / changed / missing on each side, with and without a base, under each authority; the
 * "newest" rule; the base field's codec.
 */

import {
	decodeBase,
	encodeBase,
	hashValue,
	mergeField,
	newerSide,
	ownerHash,
	type Authority,
	type MergeDecision,
	type MergeRule,
} from '../../../lib/sync';

const BASE_VALUE = '+61412000001';
const DIRECTORY_NEW = '+61412000002';
const MESSAGING_NEW = '+61412000003';
const NOW = Date.parse('2026-11-26T12:00:00Z');
const BASE_TIME = Date.parse('2026-11-25T12:00:00Z');

type State = 'unchanged' | 'changed' | 'missing';
const STATES: State[] = ['unchanged', 'changed', 'missing'];

function value(side: 'directory' | 'messaging', state: State): string {
	if (state === 'unchanged') return BASE_VALUE;
	if (state === 'missing') return '';
	return side === 'directory' ? DIRECTORY_NEW : MESSAGING_NEW;
}

const rule = (authority: Authority, overrides: Partial<MergeRule> = {}): MergeRule => ({
	authority,
	baseTime: BASE_TIME,
	messagingChangedAt: Date.parse('2026-11-26T06:00:00Z'),
	now: NOW,
	...overrides,
});

/** What each authority makes of a conflict: the winner's value goes to the other side. */
function conflict(
	authority: Authority,
	directory: string,
	messaging: string,
): Pick<MergeDecision, 'action'> & { winner: string; value: string } {
	// 'newest' with a messaging change at 06:00 and the directory's estimated change at midnight: MessageMedia.
	const winner = authority === 'directory' ? 'directory' : 'messaging';
	return { action: 'conflict', winner, value: winner === 'directory' ? directory : messaging };
}

describe('mergeField with a base', () => {
	const base = hashValue(BASE_VALUE);
	// Expected decision per (directory state, messaging state), before the authority settles conflicts.
	const table: Record<State, Record<State, 'noop' | 'toMessaging' | 'toDirectory' | 'conflict'>> = {
		unchanged: { unchanged: 'noop', changed: 'toDirectory', missing: 'toDirectory' },
		changed: { unchanged: 'toMessaging', changed: 'conflict', missing: 'conflict' },
		missing: { unchanged: 'toMessaging', changed: 'conflict', missing: 'noop' },
	};
	const cases = STATES.flatMap((d) => STATES.map((m) => [d, m] as const));

	describe.each(['directory', 'messaging', 'newest'] as Authority[])(
		'authority %s',
		(authority) => {
			it.each(cases)('directory %s, messaging %s', (d, m) => {
				const directory = value('directory', d);
				const messaging = value('messaging', m);
				const decision = mergeField({ base, directory, messaging }, rule(authority));
				const expected = table[d][m];
				if (expected === 'noop') expect(decision).toEqual({ action: 'noop', value: directory });
				else if (expected === 'toMessaging')
					expect(decision).toEqual({ action: 'toMessaging', value: directory });
				else if (expected === 'toDirectory')
					expect(decision).toEqual({ action: 'toDirectory', value: messaging });
				else {
					expect(decision).toMatchObject(conflict(authority, directory, messaging));
					expect((decision as { reason: string }).reason).toContain(
						'both sides changed since the last sync',
					);
				}
			});
		},
	);

	it('a change on one side goes across whatever the authority (the authority settles conflicts only)', () => {
		for (const authority of ['directory', 'messaging', 'newest'] as Authority[]) {
			expect(
				mergeField({ base, directory: BASE_VALUE, messaging: MESSAGING_NEW }, rule(authority))
					.action,
			).toBe('toDirectory');
			expect(
				mergeField({ base, directory: DIRECTORY_NEW, messaging: BASE_VALUE }, rule(authority))
					.action,
			).toBe('toMessaging');
		}
	});

	it('both sides changed to the same value is no conflict', () => {
		expect(
			mergeField({ base, directory: DIRECTORY_NEW, messaging: DIRECTORY_NEW }, rule('messaging')),
		).toEqual({ action: 'noop', value: DIRECTORY_NEW });
	});
});

describe('mergeField without a base (first two-way run, or an unreadable base)', () => {
	const cases = STATES.flatMap((d) => STATES.map((m) => [d, m] as const));
	describe.each(['directory', 'messaging', 'newest'] as Authority[])(
		'authority %s',
		(authority) => {
			it.each(cases)('directory %s, messaging %s', (d, m) => {
				const directory = value('directory', d);
				const messaging = value('messaging', m);
				const decision = mergeField(
					{ directory, messaging },
					rule(authority, { baseTime: undefined }),
				);
				if (directory === messaging) {
					expect(decision).toEqual({ action: 'noop', value: directory });
					return;
				}
				// Nothing can be attributed: a conflict; "newest" has no base time and falls back to the directory.
				const winner = authority === 'messaging' ? 'messaging' : 'directory';
				expect(decision).toMatchObject({
					action: 'conflict',
					winner,
					value: winner === 'directory' ? directory : messaging,
				});
				expect((decision as { reason: string }).reason).toContain('no base');
			});
		},
	);
});

describe('mergeField for a field that may not be cleared (the SMS number)', () => {
	const base = hashValue(BASE_VALUE);
	it('an empty MessageMedia value never clears the directory: the directory value goes back', () => {
		expect(
			mergeField(
				{ base, directory: BASE_VALUE, messaging: '' },
				rule('directory', { clearable: false }),
			),
		).toEqual({
			action: 'toMessaging',
			value: BASE_VALUE,
		});
		expect(
			mergeField(
				{ base, directory: DIRECTORY_NEW, messaging: '' },
				rule('messaging', { clearable: false }),
			),
		).toEqual({
			action: 'toMessaging',
			value: DIRECTORY_NEW,
		});
		expect(
			mergeField(
				{ directory: DIRECTORY_NEW, messaging: '' },
				rule('messaging', { clearable: false, baseTime: undefined }),
			).action,
		).toBe('toMessaging');
	});
	it('a clearable field is cleared in the directory', () => {
		expect(mergeField({ base, directory: BASE_VALUE, messaging: '' }, rule('directory'))).toEqual({
			action: 'toDirectory',
			value: '',
		});
	});
});

describe('newest change wins', () => {
	it('dates the directory change to the middle of base time → now and compares it with lastModifiedDate', () => {
		// Window 2026-11-25T12:00 → 2026-11-26T12:00: the directory's estimate is 2026-11-26T00:00.
		expect(
			newerSide(rule('newest', { messagingChangedAt: Date.parse('2026-11-26T00:00:01Z') })).side,
		).toBe('messaging');
		expect(
			newerSide(rule('newest', { messagingChangedAt: Date.parse('2026-11-25T23:59:59Z') })).side,
		).toBe('directory');
		// A tie, or no time, goes to the directory.
		expect(
			newerSide(rule('newest', { messagingChangedAt: Date.parse('2026-11-26T00:00:00Z') })).side,
		).toBe('directory');
		expect(newerSide(rule('newest', { messagingChangedAt: undefined })).side).toBe('directory');
		expect(newerSide(rule('newest', { baseTime: undefined })).side).toBe('directory');
	});
	it('settles a conflict by it and says why', () => {
		const base = hashValue(BASE_VALUE);
		const early = mergeField(
			{ base, directory: DIRECTORY_NEW, messaging: MESSAGING_NEW },
			rule('newest', { messagingChangedAt: Date.parse('2026-11-25T13:00:00Z') }),
		);
		expect(early).toMatchObject({ action: 'conflict', winner: 'directory', value: DIRECTORY_NEW });
		const late = mergeField(
			{ base, directory: DIRECTORY_NEW, messaging: MESSAGING_NEW },
			rule('newest', { messagingChangedAt: Date.parse('2026-11-26T11:00:00Z') }),
		);
		expect(late).toMatchObject({ action: 'conflict', winner: 'messaging', value: MESSAGING_NEW });
		expect((late as { reason: string }).reason).toContain(
			'MessageMedia changed at 2026-11-26T11:00:00.000Z',
		);
	});
});

describe('base field codec', () => {
	const sourceId = 'AAAAAAAA-1111-4222-8333-444455556666';
	const base = {
		time: Date.parse('2026-11-26T12:00:00Z'),
		owner: ownerHash(sourceId),
		hashes: { phone: hashValue('+61412000001'), 'customFields.Cost centre=;x': hashValue('42') },
	};

	it('round-trips, compactly', () => {
		const text = encodeBase(base);
		expect(text).toMatch(/^b1;\d+;[0-9a-f]{8};/);
		expect(text.length).toBeLessThan(90);
		expect(decodeBase(text, sourceId.toLowerCase())).toEqual(base);
	});

	it("is no base when missing, unreadable or another user's (never a crash)", () => {
		const text = encodeBase(base);
		expect(decodeBase(undefined, sourceId)).toBeUndefined();
		expect(decodeBase('', sourceId)).toBeUndefined();
		expect(decodeBase('hello', sourceId)).toBeUndefined();
		expect(decodeBase(text.replace('b1;', 'b9;'), sourceId)).toBeUndefined();
		expect(decodeBase(`${text};phone=zz`, sourceId)).toBeUndefined();
		expect(decodeBase(`${text};%E0%A4%A=${hashValue('x')}`, sourceId)).toBeUndefined();
		expect(decodeBase(text, 'bbbbbbbb-1111-4222-8333-444455556666')).toBeUndefined();
	});
});
