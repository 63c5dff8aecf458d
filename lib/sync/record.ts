/**
 * The ownership record: what the sync made on a contact, kept on the contact itself in a custom field
 * (default label "Entra Sync State"), so any run — full or incremental, on any worker — knows it:
 *
 * - `phone`: the SMS number the sync manages on the contact (other SMS channels are a person's);
 * - `lists`: the list memberships the sync made (a short hash of each list's key), the only ones it
 *   ever takes away (besides lists handed to it with "Managed Lists").
 *
 * Text form: `s1;p=<E.164>;l=<hash>,<hash>` (about 9 characters per list).
 */

import { hashValue } from './merge';
import { listKey } from './contact';

export interface OwnershipRecord {
	phone?: string;
	/** Hashes of the list keys (see `listHash`). */
	lists: string[];
}

const VERSION = 's1';
const LIST_HASH = /^[0-9a-f]{8}$/;
const PHONE = /^\+[1-9]\d{6,14}$/;

export const EMPTY_RECORD: OwnershipRecord = { lists: [] };

/** 8 hex digits of the list key's hash: a renamed list no longer matches, so its members are left alone. */
export const listHash = (nameOrKey: string): string => hashValue(`list:${listKey(nameOrKey)}`).slice(0, 8);

export function encodeRecord(record: OwnershipRecord): string {
	const parts = [VERSION];
	if (record.phone !== undefined) parts.push(`p=${record.phone}`);
	const lists = [...new Set(record.lists)].sort();
	if (lists.length > 0) parts.push(`l=${lists.join(',')}`);
	return parts.join(';');
}

/** The record a contact carries; empty when it has none or it is unreadable (then the sync claims nothing). */
export function decodeRecord(text: string | undefined): OwnershipRecord {
	if (!text) return { lists: [] };
	const [version, ...parts] = text.trim().split(';');
	if (version !== VERSION) return { lists: [] };
	const record: OwnershipRecord = { lists: [] };
	for (const part of parts) {
		if (part.startsWith('p=') && PHONE.test(part.slice(2))) record.phone = part.slice(2);
		else if (part.startsWith('l=')) record.lists = part.slice(2).split(',').filter((hash) => LIST_HASH.test(hash));
	}
	return record;
}

export const sameRecord = (a: OwnershipRecord, b: OwnershipRecord): boolean => encodeRecord(a) === encodeRecord(b);
