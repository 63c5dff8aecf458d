import type { CountryCode } from 'libphonenumber-js/max';

import type { FieldProvenance } from '../types';
import type { PhoneRejectCode, PhoneResult } from './phone';
import { normalisePhone } from './phone';
import { INVALID, describeType, toText, type Reader, type RuleValues } from './values';

/**
 * A user's SMS number from the phone sources: the mapped `phone` rules, then `phoneSources`
 * (default `mobilePhone, businessPhones[0]`), in order. The first usable number wins, with these rules:
 *
 * - A fixed line is not usable unless `allowFixedLine` (SMS cannot reach it): a user whose only number
 *   is a desk line is rejected with `phoneNotMobile`, naming the attribute.
 * - A later source never stands in for an earlier one that holds an unusable value (letters, an
 *   extension, a fixed line…) unless its own number is a mobile or may be one. So a garbled
 *   `mobilePhone` does not quietly become the desk line in `businessPhones[0]`, even with
 *   `allowFixedLine`; an empty `mobilePhone` falls back to it only when fixed lines are allowed.
 * - When no source gives a number, the rejection carries the code of the first unusable value and the
 *   reasons of every source that held one.
 */

export interface PhoneReading {
	phone?: string;
	/** Where the number came from, when a write-back could set it. */
	from?: FieldProvenance;
	failure?: { code: PhoneRejectCode | 'invalidValue'; reason: string };
}

export interface PhoneSourceOptions {
	/** The user's country for numbers written without a country code. */
	country: (user: Record<string, unknown>) => CountryCode | undefined;
	mobileOnly: boolean;
	allowFixedLine: boolean;
}

const PHONE_CACHE_SIZE = 10_000;

export function compilePhoneReader(
	readers: Reader[],
	options: PhoneSourceOptions,
): (user: Record<string, unknown>, ruleValues: RuleValues | undefined) => PhoneReading {
	const phoneOptions = { mobileOnly: options.mobileOnly, allowFixedLine: options.allowFixedLine };
	// Shared numbers (an office switchboard in businessPhones) are parsed once per run.
	const cache = new Map<string, PhoneResult>();
	const normalise = (text: string, country: CountryCode | undefined): PhoneResult => {
		const key = `${country ?? ''} ${text}`;
		let result = cache.get(key);
		if (result === undefined) {
			if (cache.size >= PHONE_CACHE_SIZE) cache.clear();
			result = normalisePhone(text, { country, ...phoneOptions });
			cache.set(key, result);
		}
		return result;
	};

	return (user, ruleValues) => {
		const country = options.country(user);
		let failure: PhoneReading['failure'];
		const reasons: string[] = [];
		for (const reader of readers) {
			const raw = reader.read(user, ruleValues);
			const text = toText(raw);
			if (text === INVALID) {
				const reason = `${reader.label} is ${describeType(raw)}, not a phone number`;
				failure ??= { code: 'invalidValue', reason };
				reasons.push(reason);
				continue;
			}
			if (text === undefined) continue;
			const result = normalise(text, country);
			if (!result.ok) {
				failure ??= { code: result.code, reason: '' };
				reasons.push(`${reader.label}: ${result.reason}`);
				continue;
			}
			if (failure !== undefined && !result.mobile) {
				reasons.push(
					`${reader.label}: "${text}" is not a mobile number, so it does not stand in for the unusable number before it`,
				);
				continue;
			}
			const from =
				reader.writeBackAttribute === undefined
					? undefined
					: { attribute: reader.writeBackAttribute, value: text };
			return { phone: result.e164, from };
		}
		return failure === undefined
			? {}
			: { failure: { code: failure.code, reason: reasons.join('; ') } };
	};
}
