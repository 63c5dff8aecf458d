/**
 * The three-way merge of bidirectional sync, per field: the base (a hash of the value both sides
 * agreed on at the last sync), the directory's value and MessageMedia's value → who writes what.
 * Pure: no I/O, no clock (the caller passes the times), so every combination is testable alone.
 */

import { createHash } from 'node:crypto';

/** Which side wins a conflict: always the directory, always MessageMedia, or the newer change. */
export type Authority = 'directory' | 'messaging' | 'newest';
export type Side = 'directory' | 'messaging';

export const AUTHORITIES: Authority[] = ['directory', 'messaging', 'newest'];

export type MergeDecision =
	/** Both sides hold the same value. */
	| { action: 'noop'; value: string }
	/** Only the directory changed since the base: MessageMedia takes `value`. */
	| { action: 'toMessaging'; value: string }
	/** Only MessageMedia changed since the base: the directory takes `value`. */
	| { action: 'toDirectory'; value: string }
	/** Both changed (or there is no base) and they differ: `winner`'s `value` goes to the other side. */
	| { action: 'conflict'; winner: Side; value: string; reason: string };

export interface FieldValues {
	/** Hash of the last synced value (`hashValue`); undefined when there is no usable base. */
	base?: string;
	/** The directory's value in contact terms (E.164 phone, cleaned text); '' when empty. */
	directory: string;
	/** MessageMedia's current value; '' when empty. */
	messaging: string;
}

export interface MergeRule {
	authority: Authority;
	/** When the base was written (ms since epoch); undefined without a base. */
	baseTime?: number;
	/** The contact's lastModifiedDate (ms since epoch), when known. */
	messagingChangedAt?: number;
	/** This run's time (ms since epoch). */
	now: number;
	/**
	 * Whether an empty MessageMedia value may clear the directory attribute (default true). The SMS
	 * number is not clearable: a contact that lost its number gets the directory's back.
	 */
	clearable?: boolean;
}

/** Short, stable hash of a field value: 12 hex digits of SHA-256 (48 bits: a false "unchanged" is out of reach). */
export function hashValue(value: string): string {
	return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
}

/**
 * `newest` in a conflict. MessageMedia's change is dated by the contact's lastModifiedDate. Graph v1.0
 * keeps no change time per attribute, so the directory's change is only known to lie between the base
 * time and now: it is dated to the middle of that window (the best estimate without more knowledge).
 * The later of the two wins; a tie, or a missing time, goes to the directory.
 */
export function newerSide(rule: MergeRule): { side: Side; reason: string } {
	const { baseTime, messagingChangedAt, now } = rule;
	if (
		baseTime === undefined ||
		messagingChangedAt === undefined ||
		!Number.isFinite(baseTime) ||
		!Number.isFinite(messagingChangedAt)
	) {
		return {
			side: 'directory',
			reason:
				'newest change wins, but without a base time the order is unknown: the directory wins',
		};
	}
	const directoryEstimate = baseTime + (now - baseTime) / 2;
	const at = (ms: number) => new Date(ms).toISOString();
	if (messagingChangedAt > directoryEstimate) {
		return {
			side: 'messaging',
			reason: `newest change wins: MessageMedia changed at ${at(messagingChangedAt)}, after the directory's estimated change time ${at(directoryEstimate)}`,
		};
	}
	return {
		side: 'directory',
		reason: `newest change wins: the directory's estimated change time ${at(directoryEstimate)} is not before MessageMedia's change at ${at(messagingChangedAt)}`,
	};
}

function conflictWinner(rule: MergeRule, why: string): { side: Side; reason: string } {
	if (rule.authority === 'directory')
		return { side: 'directory', reason: `${why}; directory wins` };
	if (rule.authority === 'messaging')
		return { side: 'messaging', reason: `${why}; MessageMedia wins` };
	const newer = newerSide(rule);
	return { side: newer.side, reason: `${why}; ${newer.reason}` };
}

/**
 * Decides one field. With a base, a side whose value hashes to the base is unchanged: a change on one
 * side goes to the other whatever the authority; changes on both sides to different values are a
 * conflict the authority settles. Without a base nothing can be attributed, so differing values are a
 * conflict too. Equal values are never a conflict (both sides already agree).
 */
export function mergeField(values: FieldValues, rule: MergeRule): MergeDecision {
	const { base, directory, messaging } = values;
	if (directory === messaging) return { action: 'noop', value: directory };
	const clearable = rule.clearable ?? true;
	let decision: MergeDecision;
	if (base === undefined) {
		const { side, reason } = conflictWinner(rule, 'no base to tell which side changed');
		decision = {
			action: 'conflict',
			winner: side,
			value: side === 'directory' ? directory : messaging,
			reason,
		};
	} else {
		const directoryChanged = hashValue(directory) !== base;
		const messagingChanged = hashValue(messaging) !== base;
		if (directoryChanged && !messagingChanged) return { action: 'toMessaging', value: directory };
		if (messagingChanged && !directoryChanged) {
			decision = { action: 'toDirectory', value: messaging };
		} else {
			const { side, reason } = conflictWinner(rule, 'both sides changed since the last sync');
			decision = {
				action: 'conflict',
				winner: side,
				value: side === 'directory' ? directory : messaging,
				reason,
			};
		}
	}
	// An empty MessageMedia value that may not clear the directory: the directory's value goes back.
	if (
		!clearable &&
		messaging === '' &&
		(decision.action === 'toDirectory' ||
			(decision.action === 'conflict' && decision.winner === 'messaging'))
	) {
		return { action: 'toMessaging', value: directory };
	}
	return decision;
}

/** What the base field holds: when it was written, for whom, and a hash per field. */
export interface SyncBase {
	/** ms since epoch (stored in seconds). */
	time: number;
	/** Hash of the Entra object id (lower case) the base belongs to. */
	owner: string;
	/** Field key (`phone`, `firstName`, `customFields.<key>`) → hashValue of the synced value. */
	hashes: Record<string, string>;
}

const BASE_VERSION = 'b1';

/**
 * Compact text for the base custom field: `b1;<seconds>;<owner>;<field>=<hash>;…` with field keys
 * URI-encoded. About 20 characters per field.
 */
export function encodeBase(base: SyncBase): string {
	const fields = Object.keys(base.hashes)
		.sort()
		.map((key) => `${encodeURIComponent(key)}=${base.hashes[key]}`);
	return [BASE_VERSION, String(Math.floor(base.time / 1000)), base.owner, ...fields].join(';');
}

const HASH = /^[0-9a-f]{12}$/;

/** The base a contact carries, or undefined when it has none, it is unreadable or it belongs to another user. */
export function decodeBase(text: string | undefined, sourceId: string): SyncBase | undefined {
	if (!text) return undefined;
	const [version, seconds, owner, ...fields] = text.trim().split(';');
	if (version !== BASE_VERSION || !/^\d+$/.test(seconds ?? '') || owner !== ownerHash(sourceId))
		return undefined;
	const hashes: Record<string, string> = {};
	for (const field of fields) {
		const eq = field.lastIndexOf('=');
		if (eq <= 0) return undefined;
		const hash = field.slice(eq + 1);
		if (!HASH.test(hash)) return undefined;
		try {
			hashes[decodeURIComponent(field.slice(0, eq))] = hash;
		} catch {
			return undefined;
		}
	}
	return { time: Number(seconds) * 1000, owner, hashes };
}

/** 8 hex digits of the object id's hash: a base copied to another user's contact is not theirs. */
export function ownerHash(sourceId: string): string {
	return hashValue(sourceId.trim().toLowerCase()).slice(0, 8);
}
