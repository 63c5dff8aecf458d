/**
 * The ownership record: what the sync made on a contact, kept on the contact itself in a custom field
 * (default label "Entra Sync State"), so any run — full or incremental, on any worker — knows it:
 *
 * - `phone`: the SMS number the sync manages on the contact (other SMS channels are a person's);
 * - `lists`: the list memberships the sync made (a short hash of each list's key), the only ones it
 *   ever takes away (besides lists handed to it with "Managed Lists");
 * - `scope`: the sync scope that owns the contact (a hash of its name; none for the default scope):
 *   a full run only removes contacts of its own scope;
 * - `absentSince`: when a scoped full run first missed the user (seconds): the contact is removed by
 *   a later run only if it is still absent then — a user who moved to another scope's partition is
 *   taken over by that scope's run instead of deleted and created again;
 * - `snapshotAt`: when the run that last wrote the contact read the directory (ms): a run whose read is
 *   older leaves the contact alone (overlapping runs, see overlap.ts). Not compared when deciding
 *   whether a record changed: it is written only with a write the contact needs anyway.
 *
 * Text form: `s1;p=<E.164>;l=<hash>,<hash>;o=<hash>;a=<seconds>;t=<ms>` (about 9 characters per list).
 * Parts a reader doesn't know are ignored, so records written before a part existed still parse.
 */

import { hashValue } from './merge';
import { listKey } from './contact';

export interface OwnershipRecord {
	phone?: string;
	/** Hashes of the list keys (see `listHash`). */
	lists: string[];
	/** Hash of the sync scope's name (see `scopeHash`); undefined: the default scope. */
	scope?: string;
	/** Seconds since the epoch: when a scoped full run first found the user absent. */
	absentSince?: number;
	/** Milliseconds since the epoch: the directory read of the run that last wrote the contact. */
	snapshotAt?: number;
}

const VERSION = 's1';
const LIST_HASH = /^[0-9a-f]{8}$/;
const PHONE = /^\+[1-9]\d{6,14}$/;

export const EMPTY_RECORD: OwnershipRecord = { lists: [] };

/** 8 hex digits of the list key's hash: a renamed list no longer matches, so its members are left alone. */
export const listHash = (nameOrKey: string): string =>
	hashValue(`list:${listKey(nameOrKey)}`).slice(0, 8);

/** 8 hex digits of a sync scope's name (trimmed, case-insensitive); the default scope ('') has none. */
export const scopeHash = (name: string): string | undefined =>
	name.trim() === '' ? undefined : hashValue(`scope:${name.trim().toLowerCase()}`).slice(0, 8);

export function encodeRecord(record: OwnershipRecord): string {
	const parts = [VERSION];
	if (record.phone !== undefined) parts.push(`p=${record.phone}`);
	const lists = [...new Set(record.lists)].sort();
	if (lists.length > 0) parts.push(`l=${lists.join(',')}`);
	if (record.scope !== undefined) parts.push(`o=${record.scope}`);
	if (record.absentSince !== undefined) parts.push(`a=${record.absentSince}`);
	if (record.snapshotAt !== undefined) parts.push(`t=${record.snapshotAt}`);
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
		else if (part.startsWith('l='))
			record.lists = part
				.slice(2)
				.split(',')
				.filter((hash) => LIST_HASH.test(hash));
		else if (part.startsWith('o=') && LIST_HASH.test(part.slice(2))) record.scope = part.slice(2);
		else if (part.startsWith('a=') && /^\d{1,12}$/.test(part.slice(2)))
			record.absentSince = Number(part.slice(2));
		else if (part.startsWith('t=') && /^\d{1,15}$/.test(part.slice(2)))
			record.snapshotAt = Number(part.slice(2));
	}
	return record;
}

/** The record without its snapshot time: what decides whether a record changed. */
function withoutSnapshot(record: OwnershipRecord): OwnershipRecord {
	const rest = { ...record };
	delete rest.snapshotAt;
	return rest;
}

export const sameRecord = (a: OwnershipRecord, b: OwnershipRecord): boolean =>
	encodeRecord(withoutSnapshot(a)) === encodeRecord(withoutSnapshot(b));
