/**
 * The directory side of reverse and bidirectional sync: the port through which write-back reaches
 * Entra ID (the node implements it with lib/entra's `updateUser`), the direction of a run, and how
 * contact values become Graph attribute values.
 */

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

import { ConfigurationError } from '../common/errors';
import type { SyncDirection } from '../types';
import type { Direction, DirectionChoice, PhoneWriteFormat, SyncInput } from './types';

export { WriteBackRefused, type DirectoryWriter } from '../types';

const FROM_MAPPER: Record<SyncDirection, Direction> = {
	'one-way': 'toMessaging',
	reverse: 'toDirectory',
	bidirectional: 'bidirectional',
};

/**
 * The direction of a run. `fromMapper`: the direction the Contact Mapper stamped on the items (all
 * items must agree), one-way when none carries one.
 */
export function resolveDirection(inputs: SyncInput[], choice: DirectionChoice): Direction {
	if (choice !== 'fromMapper') return choice;
	const stamped = new Set<SyncDirection>();
	for (const input of inputs)
		if (input.kind === 'item' && input.item.direction !== undefined)
			stamped.add(input.item.direction);
	if (stamped.size > 1) {
		throw new ConfigurationError(
			`The input items carry different directions (${[...stamped].join(', ')}); feed one Contact Mapper into the sync, or choose the direction on the sync node`,
			'direction',
		);
	}
	const [direction] = [...stamped];
	return direction === undefined ? 'toMessaging' : FROM_MAPPER[direction];
}

export const writesToDirectory = (direction: Direction): boolean => direction !== 'toMessaging';
export const writesToMessaging = (direction: Direction): boolean => direction !== 'toDirectory';

/**
 * A phone number for the directory. `e164` writes `+61412345678`. `original` writes it the way the
 * number it replaces was written: `+61412345678` stays E.164, `+61 412 345 678` international, and a
 * national `0412 345 678` national as long as the new number is in the same country (else
 * international). Without an old number, international.
 */
export function formatPhoneForDirectory(
	e164: string,
	original: string | null | undefined,
	format: PhoneWriteFormat,
): string {
	if (format === 'e164') return e164;
	const parsed = parsePhoneNumberFromString(e164);
	if (parsed === undefined) return e164;
	const old = (original ?? '').trim();
	if (old === '') return parsed.formatInternational();
	if (/^\+\d+$/.test(old)) return parsed.number;
	if (old.startsWith('+') || old.startsWith('00')) return parsed.formatInternational();
	const oldCountry = parsePhoneNumberFromString(old, parsed.country)?.country;
	return oldCountry !== undefined && oldCountry === parsed.country
		? parsed.formatNational()
		: parsed.formatInternational();
}

/** Graph PATCH entries for a contact value written to `attribute` ('' clears: `null`, or no business phone). */
export function attributeValue(attribute: string, value: string): [string, unknown] {
	if (attribute === 'businessPhones[0]') return ['businessPhones', value === '' ? [] : [value]];
	return [attribute, value === '' ? null : value];
}

/** The attribute name Graph knows (`businessPhones[0]` → `businessPhones`), for reports and read-only checks. */
export const graphAttribute = (attribute: string): string =>
	attribute === 'businessPhones[0]' ? 'businessPhones' : attribute;
