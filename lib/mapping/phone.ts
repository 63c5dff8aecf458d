import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import type { CountryCode, MetadataJson, PhoneNumberType } from 'libphonenumber-js/core';
import { getCountries, isSupportedCountry } from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/metadata.max.json';

import type { RejectCode } from '../types';

/**
 * Phone numbers → E.164 for MessageMedia's SMS channel, through libphonenumber-js with its `max`
 * metadata: the lightest set that tells a fixed line from a mobile (`min` has no number types; `mobile`
 * has only the mobile patterns, so it can neither tell a fixed line from an invalid number nor
 * validate one), and it validates number ranges, not just lengths.
 *
 * SMS cannot reach a fixed line: a number of type FIXED_LINE is rejected (`phoneNotMobile`) unless
 * `allowFixedLine` is set. FIXED_LINE_OR_MOBILE (the US and others, where the ranges are shared) may
 * be a mobile and is kept. `mobileOnly` is stricter: only MOBILE and FIXED_LINE_OR_MOBILE pass (no
 * toll-free, VoIP, pager… numbers either), whatever `allowFixedLine` says.
 *
 * Speed: libphonenumber-js builds a new RegExp from the pattern text on every check, which made it
 * most of the mapper's cost. The library still parses (calling code, national prefix, country), but
 * the number's type — which also decides validity — comes from `classifyNationalNumber`, which
 * follows the library's rules with each country's patterns compiled once. Tests compare the
 * results with the library's own on thousands of numbers.
 */

export type PhoneRejectCode = Extract<
	RejectCode,
	'invalidPhone' | 'phoneHasExtension' | 'phoneNotMobile' | 'ambiguousPhone'
>;

export type PhoneResult =
	/** `mobile`: the number is a mobile or may be one (MOBILE, FIXED_LINE_OR_MOBILE). */
	| { ok: true; e164: string; mobile: boolean }
	| { ok: false; code: PhoneRejectCode; reason: string };

export interface PhoneOptions {
	/** Country for numbers written without a country code (ISO 3166-1 alpha-2, already validated). */
	country?: CountryCode;
	/** Reject every number that is not (or may not be) a mobile. */
	mobileOnly?: boolean;
	/** Keep fixed-line numbers (default false: SMS cannot reach them). */
	allowFixedLine?: boolean;
}

/** `x123`, `ext. 5`, `extension 12`, `#7`, `;ext=9` at the end of the number. */
const EXTENSION = /(?:;\s*ext=|\s*(?:ext(?:ension)?\.?|x|#)\s*:?\s*)(\d{1,10})\s*$/i;
const LETTER = /\p{L}/u;
/** Digits with the punctuation people write numbers with: spaces, dashes, dots, slashes, parentheses. */
const WRITTEN_NUMBER = /^\+?[\d\s\-‐-―−.()/]+$/;
const NON_DIGITS = /\D/g;

const MOBILE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function normalisePhone(raw: string, options: PhoneOptions = {}): PhoneResult {
	const written = raw.trim();
	const extension = EXTENSION.exec(written);
	if (extension) {
		return {
			ok: false,
			code: 'phoneHasExtension',
			reason: `"${written}" has an extension (${extension[1]}); an SMS number cannot have one`,
		};
	}
	if (LETTER.test(written)) {
		return {
			ok: false,
			code: 'invalidPhone',
			reason: `"${written}" contains letters, not only digits`,
		};
	}
	if (!WRITTEN_NUMBER.test(written)) {
		return {
			ok: false,
			code: 'invalidPhone',
			reason: `"${written}" contains characters that are not part of a phone number`,
		};
	}

	let digits = written.replace(NON_DIGITS, '');
	let international = written.startsWith('+');
	if (!international && digits.startsWith('00')) {
		// 00 is the international call prefix in most of the world: 0044… means +44….
		digits = digits.slice(2);
		international = true;
	}
	if (digits.length < 5 || digits.length > 15) {
		return {
			ok: false,
			code: 'invalidPhone',
			reason: `"${written}" has ${digits.length} digits; a phone number has 5 to 15`,
		};
	}
	if (!international && !options.country) {
		return {
			ok: false,
			code: 'ambiguousPhone',
			reason: `"${written}" has no country code and no country is known for it (set defaultCountry or the country attribute)`,
		};
	}

	const parsed = parseNumber(
		international ? `+${digits}` : digits,
		international ? undefined : options.country,
	);
	// With the max metadata a number is valid exactly when it has a type.
	const type = parsed?.type;
	if (!parsed || type === undefined) {
		const where = international ? '' : ` for country ${options.country}`;
		return {
			ok: false,
			code: 'invalidPhone',
			reason: `"${written}" is not a valid phone number${where}`,
		};
	}
	const mobile = MOBILE_TYPES.has(type);
	if (options.mobileOnly && !mobile) {
		return {
			ok: false,
			code: 'phoneNotMobile',
			reason: `"${written}" is a ${type.toLowerCase().replace(/_/g, '-')} number, not a mobile number`,
		};
	}
	if (type === 'FIXED_LINE' && options.allowFixedLine !== true) {
		return {
			ok: false,
			code: 'phoneNotMobile',
			reason: `"${written}" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)`,
		};
	}
	return { ok: true, e164: parsed.e164, mobile };
}

/**
 * libphonenumber-js's Metadata accessors for a numbering plan's patterns: present at runtime in
 * every 1.x release, but not in its type declarations.
 */
interface TypeDefinition {
	pattern(): string;
	possibleLengths(): number[] | undefined;
}
interface PlanPatterns {
	nationalNumberPattern(): string;
	type(type: PhoneNumberType): TypeDefinition | undefined;
}

interface Matcher {
	pattern: RegExp;
	lengths?: Set<number>;
}
interface CompiledPlan {
	national: RegExp;
	fixedLine?: Matcher;
	/** The mobile pattern, or `sameAsFixedLine` where the metadata folds mobile into fixed line (US). */
	mobile?: Matcher | 'sameAsFixedLine';
	others: Array<[PhoneNumberType, Matcher]>;
}

const OTHER_TYPES: PhoneNumberType[] = [
	'MOBILE',
	'PREMIUM_RATE',
	'TOLL_FREE',
	'SHARED_COST',
	'VOIP',
	'PERSONAL_NUMBER',
	'PAGER',
	'UAN',
	'VOICEMAIL',
];
const compiledPlans = new Map<CountryCode, CompiledPlan>();

function whole(pattern: string): RegExp {
	return new RegExp(`^(?:${pattern})$`);
}

const metadataJson = maxMetadata as unknown as MetadataJson;

function compilePlan(country: CountryCode): CompiledPlan {
	const metadata = new Metadata(metadataJson);
	metadata.selectNumberingPlan(country);
	const plan = metadata.numberingPlan as unknown as PlanPatterns;
	const matcher = (type: PhoneNumberType): Matcher | undefined => {
		const definition = plan.type(type);
		if (!definition || !definition.pattern()) return undefined;
		const lengths = definition.possibleLengths();
		return {
			pattern: whole(definition.pattern()),
			lengths: lengths ? new Set(lengths) : undefined,
		};
	};
	const mobileDefinition = plan.type('MOBILE');
	return {
		national: whole(plan.nationalNumberPattern()),
		fixedLine: matcher('FIXED_LINE'),
		mobile:
			!mobileDefinition || mobileDefinition.pattern() === ''
				? 'sameAsFixedLine'
				: matcher('MOBILE'),
		others: OTHER_TYPES.flatMap((type) => {
			const found = matcher(type);
			return found ? [[type, found] as [PhoneNumberType, Matcher]] : [];
		}),
	};
}

function planOf(country: CountryCode): CompiledPlan {
	let plan = compiledPlans.get(country);
	if (!plan) {
		plan = compilePlan(country);
		compiledPlans.set(country, plan);
	}
	return plan;
}

function matches(matcher: Matcher | undefined, nationalNumber: string): boolean {
	if (!matcher) return false;
	if (matcher.lengths && !matcher.lengths.has(nationalNumber.length)) return false;
	return matcher.pattern.test(nationalNumber);
}

/** The type of a national number in a country's numbering plan; `undefined` when it is not valid there. */
export function classifyNationalNumber(
	country: CountryCode,
	nationalNumber: string,
): PhoneNumberType | undefined {
	const plan = planOf(country);
	if (!plan.national.test(nationalNumber)) return undefined;
	if (matches(plan.fixedLine, nationalNumber)) {
		if (plan.mobile === 'sameAsFixedLine' || matches(plan.mobile, nationalNumber))
			return 'FIXED_LINE_OR_MOBILE';
		return 'FIXED_LINE';
	}
	for (const [type, matcher] of plan.others) {
		if (matches(matcher, nationalNumber)) return type;
	}
	return undefined;
}

/**
 * Parses cleaned digits (`+<digits>` or national digits with a default country) into E.164 and the
 * number's type (`undefined`: not a valid number). Same answers as libphonenumber-js's
 * `parsePhoneNumberFromString(…).number` and `.getType()`.
 */
export function parseNumber(
	text: string,
	defaultCountry?: CountryCode,
): { e164: string; type: PhoneNumberType | undefined } | undefined {
	const parsed = parsePhoneNumberFromString(text, { defaultCountry, extract: false }, metadataJson);
	if (!parsed) return undefined;
	const type = parsed.country
		? classifyNationalNumber(parsed.country, parsed.nationalNumber)
		: parsed.getType();
	return { e164: parsed.number, type };
}

export function isCountryCode(value: string): value is CountryCode {
	return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
}

let countriesByName: Map<string, CountryCode> | undefined;

function countryNameIndex(): Map<string, CountryCode> {
	if (countriesByName) return countriesByName;
	const names = new Intl.DisplayNames(['en'], { type: 'region' });
	const index = new Map<string, CountryCode>();
	for (const code of getCountries()) {
		const name = names.of(code);
		if (name && name !== code) index.set(name.toLowerCase(), code);
	}
	const aliases: Record<string, CountryCode> = {
		usa: 'US',
		'united states of america': 'US',
		uk: 'GB',
		'great britain': 'GB',
		england: 'GB',
		scotland: 'GB',
		wales: 'GB',
		'northern ireland': 'GB',
	};
	for (const [alias, code] of Object.entries(aliases)) index.set(alias, code);
	countriesByName = index;
	return index;
}

/**
 * A user's country from a directory attribute: ISO alpha-2 (`usageLocation`, any case) or an English
 * country name (`country` is free text in Entra: "Australia", "United Kingdom", "USA").
 * Anything else is unknown (`undefined`), and the caller falls back to the default country.
 */
export function resolveCountry(value: unknown): CountryCode | undefined {
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	if (trimmed.length === 2) {
		const upper = trimmed.toUpperCase();
		return isCountryCode(upper) ? upper : undefined;
	}
	if (trimmed.length < 2) return undefined;
	return countryNameIndex().get(trimmed.toLowerCase().replace(/\s+/g, ' '));
}
