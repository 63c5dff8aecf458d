import examples from 'libphonenumber-js/examples.mobile.json';
import {
	getCountries,
	getCountryCallingCode,
	parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';

import { parseNumber } from '../../../lib/mapping/phone';
import { normalisePhone, resolveCountry } from '../../../lib/mapping';

describe('normalisePhone', () => {
	it.each<[string, string | undefined, string]>([
		['0412 345 678', 'AU', '+61412345678'],
		['0412-345-678', 'AU', '+61412345678'],
		['0412.345.678', 'AU', '+61412345678'],
		['(02) 9374 4000', 'AU', '+61293744000'],
		['  +61 (0)2 9374 4000 ', undefined, '+61293744000'],
		['+44 7911 123456', undefined, '+447911123456'],
		['+44 7911 123456', 'AU', '+447911123456'],
		['0044 7911 123456', 'AU', '+447911123456'],
		['0061 412 345 678', undefined, '+61412345678'],
		['07911 123456', 'GB', '+447911123456'],
		['+1 (650) 253-0000', undefined, '+16502530000'],
		['021 123 4567', 'NZ', '+64211234567'],
		['+81 90-1234-5678', undefined, '+819012345678'],
		['0412\u00A0345\u00A0678', 'AU', '+61412345678'],
		['0412–345–678', 'AU', '+61412345678'],
	])('%s (country %s) → %s', (raw, country, e164) => {
		// The written forms, fixed lines included; whether a fixed line is kept is tested below.
		expect(normalisePhone(raw, { country: country as never, allowFixedLine: true })).toMatchObject({
			ok: true,
			e164,
		});
	});

	it.each<[string, string | undefined, string, string]>([
		[
			'0412 345 678 x123',
			'AU',
			'phoneHasExtension',
			'"0412 345 678 x123" has an extension (123); an SMS number cannot have one',
		],
		[
			'+61 2 9374 4000 ext. 5',
			'AU',
			'phoneHasExtension',
			'"+61 2 9374 4000 ext. 5" has an extension (5); an SMS number cannot have one',
		],
		[
			'+61 2 9374 4000 extension 12',
			undefined,
			'phoneHasExtension',
			'"+61 2 9374 4000 extension 12" has an extension (12); an SMS number cannot have one',
		],
		[
			'+61 2 9374 4000;ext=9',
			undefined,
			'phoneHasExtension',
			'"+61 2 9374 4000;ext=9" has an extension (9); an SMS number cannot have one',
		],
		['1-800-FLOWERS', 'US', 'invalidPhone', '"1-800-FLOWERS" contains letters, not only digits'],
		[
			'+61 412 ABC 678',
			undefined,
			'invalidPhone',
			'"+61 412 ABC 678" contains letters, not only digits',
		],
		[
			'+61 412 345 678!',
			undefined,
			'invalidPhone',
			'"+61 412 345 678!" contains characters that are not part of a phone number',
		],
		[
			'0412 + 345',
			'AU',
			'invalidPhone',
			'"0412 + 345" contains characters that are not part of a phone number',
		],
		['123', 'AU', 'invalidPhone', '"123" has 3 digits; a phone number has 5 to 15'],
		[
			'+61 4123 4567 8901 2345',
			undefined,
			'invalidPhone',
			'"+61 4123 4567 8901 2345" has 18 digits; a phone number has 5 to 15',
		],
		['0412 345', 'AU', 'invalidPhone', '"0412 345" is not a valid phone number for country AU'],
		['+999 1234 5678', undefined, 'invalidPhone', '"+999 1234 5678" is not a valid phone number'],
		[
			'0412 345 678',
			undefined,
			'ambiguousPhone',
			'"0412 345 678" has no country code and no country is known for it (set defaultCountry or the country attribute)',
		],
	])('%s (country %s) → %s', (raw, country, code, reason) => {
		expect(normalisePhone(raw, { country: country as never })).toEqual({ ok: false, code, reason });
	});

	it('mobileOnly rejects fixed lines and accepts mobiles and numbers that may be either', () => {
		expect(normalisePhone('(02) 9374 4000', { country: 'AU', mobileOnly: true })).toEqual({
			ok: false,
			code: 'phoneNotMobile',
			reason: '"(02) 9374 4000" is a fixed-line number, not a mobile number',
		});
		expect(normalisePhone('1800 123 456', { country: 'AU', mobileOnly: true })).toEqual({
			ok: false,
			code: 'phoneNotMobile',
			reason: '"1800 123 456" is a toll-free number, not a mobile number',
		});
		expect(normalisePhone('0412 345 678', { country: 'AU', mobileOnly: true })).toEqual({
			ok: true,
			e164: '+61412345678',
			mobile: true,
		});
		// US numbers are FIXED_LINE_OR_MOBILE: they count as mobile.
		expect(normalisePhone('+1 650 253 0000', { mobileOnly: true })).toEqual({
			ok: true,
			e164: '+16502530000',
			mobile: true,
		});
		// mobileOnly wins over allowFixedLine.
		expect(
			normalisePhone('(02) 9374 4000', { country: 'AU', mobileOnly: true, allowFixedLine: true }),
		).toMatchObject({ ok: false, code: 'phoneNotMobile' });
	});

	it('case 10: a fixed line is rejected by default with phoneNotMobile (SMS cannot reach it)', () => {
		for (const [raw, country] of [
			['(02) 9374 4000', 'AU'],
			['+61 2 9374 4000', undefined],
			['020 7946 0018', 'GB'],
			['+64 9 379 0000', undefined],
		] as const) {
			expect(normalisePhone(raw, { country })).toEqual({
				ok: false,
				code: 'phoneNotMobile',
				reason: `"${raw}" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)`,
			});
		}
	});

	it('numbers that may be mobile (FIXED_LINE_OR_MOBILE, as in the US) and mobiles are kept by default', () => {
		expect(normalisePhone('+1 650 253 0000')).toEqual({
			ok: true,
			e164: '+16502530000',
			mobile: true,
		});
		expect(normalisePhone('(415) 555-0132', { country: 'US' })).toMatchObject({
			ok: true,
			e164: '+14155550132',
		});
		expect(normalisePhone('0412 345 678', { country: 'AU' })).toEqual({
			ok: true,
			e164: '+61412345678',
			mobile: true,
		});
		expect(normalisePhone('07911 123456', { country: 'GB' })).toEqual({
			ok: true,
			e164: '+447911123456',
			mobile: true,
		});
		// Other types are not fixed lines: only mobileOnly rejects them.
		expect(normalisePhone('1800 123 456', { country: 'AU' })).toEqual({
			ok: true,
			e164: '+611800123456',
			mobile: false,
		});
	});

	it('allowFixedLine keeps fixed lines (marked as not mobile)', () => {
		expect(normalisePhone('(02) 9374 4000', { country: 'AU', allowFixedLine: true })).toEqual({
			ok: true,
			e164: '+61293744000',
			mobile: false,
		});
		expect(normalisePhone('020 7946 0018', { country: 'GB', allowFixedLine: true })).toEqual({
			ok: true,
			e164: '+442079460018',
			mobile: false,
		});
	});
});

describe('resolveCountry', () => {
	it.each<[unknown, string | undefined]>([
		['AU', 'AU'],
		['gb', 'GB'],
		[' nz ', 'NZ'],
		['Australia', 'AU'],
		['united kingdom', 'GB'],
		['United  States', 'US'],
		['USA', 'US'],
		['Deutschland', undefined],
		['XX', undefined],
		['A', undefined],
		['', undefined],
		[undefined, undefined],
		[61, undefined],
	])('%p → %p', (value, expected) => {
		expect(resolveCountry(value)).toBe(expected);
	});
});

describe('parseNumber (precompiled patterns) agrees with libphonenumber-js', () => {
	function random(seed: number) {
		let state = seed;
		return () => {
			state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
			return state / 2 ** 31;
		};
	}

	/** Compares E.164 and type with the library's own pipeline; true when the number is valid. */
	function compare(text: string, country: CountryCode | undefined): boolean {
		const library = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
		const expected = library ? { e164: library.number, type: library.getType() } : undefined;
		expect([text, country, parseNumber(text, country)]).toEqual([text, country, expected]);
		return expected?.type !== undefined;
	}

	it("on every country's example mobile number, national and international", () => {
		let valid = 0;
		for (const country of getCountries()) {
			const example = (examples as Record<string, string>)[country];
			if (!example) continue;
			if (compare(example, country)) valid++;
			compare(`+${getCountryCallingCode(country)}${example}`, undefined);
		}
		expect(valid).toBeGreaterThan(200);
	});

	it('on random numbers, including countries that share a calling code (valid and invalid ones)', () => {
		const next = random(7);
		const countries: CountryCode[] = [
			'AU',
			'CX',
			'CC',
			'GB',
			'IM',
			'JE',
			'GG',
			'US',
			'CA',
			'PR',
			'JM',
			'NZ',
			'DE',
			'FR',
			'RE',
			'YT',
			'IN',
			'JP',
			'SG',
			'ZA',
			'BR',
			'IE',
			'RU',
			'KZ',
			'NO',
			'SJ',
			'FI',
			'AX',
		];
		let valid = 0;
		for (let i = 0; i < 8000; i++) {
			const country = countries[i % countries.length];
			const length = 6 + Math.floor(next() * 6);
			let digits = '';
			for (let d = 0; d < length; d++) digits += Math.floor(next() * 10);
			if (i % 2 === 0) {
				if (compare(digits, country)) valid++;
			} else if (compare(`+${getCountryCallingCode(country)}${digits}`, undefined)) {
				valid++;
			}
		}
		expect(valid).toBeGreaterThan(500);
	});

	it("on numbers near every country's example mobile (valid and invalid), in national and international form", () => {
		const next = random(11);
		let valid = 0;
		for (const country of getCountries()) {
			const example = (examples as Record<string, string>)[country];
			if (!example) continue;
			for (let k = 0; k < 10; k++) {
				let digits = example.slice(0, Math.floor(next() * example.length));
				const length = example.length + (k % 5 === 0 ? Math.floor(next() * 3) - 1 : 0);
				while (digits.length < length) digits += Math.floor(next() * 10);
				if (compare(digits, country)) valid++;
				compare(`0${digits}`, country);
				compare(`+${getCountryCallingCode(country)}${digits}`, undefined);
				compare(`+${getCountryCallingCode(country)}${digits}`, 'GB');
			}
		}
		expect(valid).toBeGreaterThan(800);
	});

	it('on non-geographic numbers', () => {
		compare('+80012345678', undefined);
		compare('+882 3421 2345', undefined);
	});
});
