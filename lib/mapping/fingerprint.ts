import { hash } from 'node:crypto';

import type { ContactFields } from '../types';

/** JSON with object keys sorted at every level, so the text does not depend on key order. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const record = value as Record<string, unknown>;
		const entries = Object.keys(record)
			.filter((key) => record[key] !== undefined)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value);
}

/**
 * SHA-256 (hex) of the canonical mapped contact: keys sorted, list names sorted (membership, not
 * order, matters), undefined fields left out. Equal fingerprints mean the same values to write; any
 * change in a mapped value changes it.
 */
export function fingerprint(contact: ContactFields): string {
	const canonical = contact.lists ? { ...contact, lists: [...contact.lists].sort() } : contact;
	return hash('sha256', canonicalJson(canonical), 'hex');
}
