/**
 * Security review, finding 1 (medium): ReDoS in the `regex` scope operator, and the quadratic email
 * check. Both run on n8n's main thread once per directory user, so a slow test per user stalls the
 * whole instance. Times are generous bounds (the old code took seconds for each case).
 */
import { ConfigurationError } from '../../../lib/common/errors';
import { compileMapper, compileScope, isRejected } from '../../../lib/mapping';
import type { FilterRule, MappedItem } from '../../../lib/mapping';
import { MAX_TESTED_LENGTH } from '../../../lib/mapping/scope';
import type { RejectedItem } from '../../../lib/types';

function timed<T>(run: () => T): { result: T; ms: number } {
	const started = performance.now();
	const result = run();
	return { result, ms: performance.now() - started };
}

function scopeError(rules: FilterRule[]): ConfigurationError {
	try {
		compileScope(rules);
	} catch (error) {
		return error as ConfigurationError;
	}
	throw new Error('expected a ConfigurationError');
}

describe('finding 1: ReDoS in the regex scope operator', () => {
	it('catastrophic patterns run in linear time (^([a-z]+ ?)+$ on a 26-character name, ^(a+)+$ on 28 characters)', () => {
		const words = compileScope([
			{ attribute: 'displayName', operator: 'regex', value: '^([a-z]+ ?)+$' },
		]);
		const nested = compileScope([
			{ attribute: 'displayName', operator: 'regex', value: '^(a+)+$' },
		]);
		const { result, ms } = timed(() => [
			words({ displayName: 'abcdefghijklmnopqrstuvwxy!' }),
			nested({ displayName: `${'a'.repeat(28)}!` }),
		]);
		expect(result).toEqual([false, false]);
		expect(ms).toBeLessThan(250);
		// The patterns still match what they should.
		expect(words({ displayName: 'Ada Lovelace' })).toBe(true);
		expect(nested({ displayName: 'aaaa' })).toBe(true);
	});

	it('over a directory: 200 hostile names of 22 characters take milliseconds, not seconds', () => {
		const nested = compileScope([
			{ attribute: 'displayName', operator: 'regex', value: '^(a+)+$' },
		]);
		const { result, ms } = timed(() =>
			Array.from({ length: 200 }, (_, i) => nested({ displayName: `${'a'.repeat(22)}${i}` })),
		);
		expect(result.every((matched) => matched === false)).toBe(true);
		expect(ms).toBeLessThan(500);
	});

	it('a value longer than the tested length never matches, whatever the pattern', () => {
		const any = compileScope([{ attribute: 'note', operator: 'regex', value: '.' }]);
		expect(any({ note: 'x'.repeat(MAX_TESTED_LENGTH) })).toBe(true);
		expect(any({ note: 'x'.repeat(MAX_TESTED_LENGTH + 1) })).toBe(false);
		const { ms } = timed(() => any({ note: 'x'.repeat(1_000_000) }));
		expect(ms).toBeLessThan(50);
	});

	it.each([
		['a backreference', '(a)\\1', /backreferences/],
		['a lookahead', 'Sales(?=x)', /lookaround/],
		['a lookbehind', '(?<=a)b', /lookaround/],
		['an unclosed group', '(unclosed', /missing closing \)/],
		['a repeat count over 1000', 'a{2000}', /invalid repeat count/],
		['a program too large', '.{0,1000}.{0,1000}.{0,1000}z', /too complex/],
		['a pattern over 1000 characters', `^(${'a|'.repeat(600)}b)$`, /longer than 1000 characters/],
		['an unknown literal flag', '/^S/x', /unknown flag "x"/],
	])('%s is refused, naming its row', (_what, value, why) => {
		const error = scopeError([
			{ attribute: 'department', operator: 'equals', value: 'Sales' },
			{ attribute: 'jobTitle', operator: 'regex', value, key: 'sync.filters[1]' },
		]);
		expect(error).toBeInstanceOf(ConfigurationError);
		expect(error.key).toBe('sync.filters[1]');
		expect(error.message).toMatch(/^sync\.filters\[1\]: invalid regular expression /);
		expect(error.message).toMatch(why);
		expect(error.message.length).toBeLessThan(400);
	});

	it('keeps the documented semantics: case-insensitive by default, /literal/flags, any element of a list', () => {
		const user = {
			jobTitle: 'Account Manager',
			proxyAddresses: ['smtp:a@x.example', 'SMTP:B@Y.EXAMPLE'],
		};
		const match = (value: string, attribute = 'jobTitle') =>
			compileScope([{ attribute, operator: 'regex', value }])(user);
		expect(match('^account\\s+man')).toBe(true);
		expect(match('/^account/')).toBe(false);
		expect(match('/^Account/')).toBe(true);
		expect(match('/^account/i')).toBe(true);
		expect(match('/^account/gimsuy')).toBe(true);
		expect(match('@y\\.example$', 'proxyAddresses')).toBe(true);
		expect(match('\\p{Lu}\\p{Ll}+ \\p{Lu}')).toBe(true);
	});
});

describe('finding 1: the email check is quadratic and ran before the 254-character limit', () => {
	const mapUser = compileMapper({
		mapping: [
			{ source: 'mobilePhone', field: 'phone' },
			{ source: 'mail', field: 'email' },
		],
		defaultCountry: 'AU',
	});

	it('a 30,000-character mail without an @ is rejected at once, and the reason stays short', () => {
		const hostile = [
			`a@${'a.'.repeat(15_000)}@`,
			`a@${'.'.repeat(30_000)} x`,
			`a@${'.'.repeat(30_000)}@`,
			'a'.repeat(30_000),
		];
		const { result, ms } = timed(() =>
			hostile.map((mail, i) => mapUser({ id: `u${i}`, mobilePhone: '0412 345 678', mail })),
		);
		expect(ms).toBeLessThan(150);
		for (const item of result) {
			expect(isRejected(item as MappedItem | RejectedItem)).toBe(true);
			expect((item as RejectedItem).field).toBe('email');
			expect((item as RejectedItem).reason.length).toBeLessThan(400);
		}
	});

	it('a usable address is still accepted', () => {
		const item = mapUser({
			id: 'u',
			mobilePhone: '0412 345 678',
			mail: 'ada@contoso.example',
		}) as MappedItem;
		expect(item.contact?.email).toBe('ada@contoso.example');
	});
});
