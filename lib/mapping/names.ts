export interface NameParts {
	firstName?: string;
	lastName?: string;
}

/**
 * Splits a cleaned display name into first and last name, for users whose directory entry has no
 * givenName/surname:
 * - `"Smith, Jane"` (the "Last, First" form common in Active Directory) → Jane / Smith
 * - `"Jane"` → firstName only
 * - `"Jane van der Berg"` → Jane / van der Berg (the first word is the first name, the rest the
 *   last name, which keeps surname particles together)
 * Whitespace is any Unicode space; scripts written without spaces stay whole in firstName.
 */
export function splitDisplayName(displayName: string): NameParts {
	if (displayName === '') return {};
	const comma = displayName.indexOf(',');
	if (comma > 0 && comma === displayName.lastIndexOf(',')) {
		const last = displayName.slice(0, comma).trim();
		const first = displayName.slice(comma + 1).trim();
		if (first !== '' && last !== '') return { firstName: first, lastName: last };
	}
	const space = displayName.indexOf(' ');
	if (space < 0) return { firstName: displayName };
	return { firstName: displayName.slice(0, space), lastName: displayName.slice(space + 1) };
}
