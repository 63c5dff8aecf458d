/**
 * The contract between Contact Mapper and MessageMedia Contacts (documented in README "Sync item").
 * Pure data: no n8n types, so the same shape flows through lib/mapping (producer) and lib/sync
 * (consumer), dry runs and tests.
 */

export type SyncAction = 'upsert' | 'remove';

/**
 * Direction of a sync, as the JSON configuration names it: `one-way` (directory → messaging),
 * `reverse` (messaging → directory write-back) or `bidirectional` (both, per-field authority).
 */
export type SyncDirection = 'one-way' | 'reverse' | 'bidirectional';

/**
 * Where a contact field came from, for write-back: the directory attribute (a top-level Graph user
 * property, or `businessPhones[0]`) and its value as the directory held it (null when empty). Only
 * fields the sync can write back carry one (see README, "Two-way sync").
 */
export interface FieldProvenance {
	attribute: string;
	value: string | null;
}

/** Why a directory user should no longer have a contact. */
export type RemovalReason = 'deleted' | 'disabled' | 'outOfScope';

/** Contact fields in MessageMedia's vocabulary, values already cleaned and validated. */
export interface ContactFields {
	firstName?: string;
	lastName?: string;
	/** SMS channel, E.164 (`+61491570156`). */
	phone?: string;
	/** Stored in a custom field (MessageMedia contacts have no email attribute). */
	email?: string;
	/** List (group) names the contact belongs to, as managed by the sync. */
	lists?: string[];
	alias?: string;
	note?: string;
	country?: string;
	state?: string;
	location?: string;
	/** `YYYY-MM-DD`. */
	dateOfBirth?: string;
	/** Custom field values keyed by label or merge tag; values are strings as the API stores them. */
	customFields?: Record<string, string>;
}

export interface SyncItem {
	/** Entra object id: the link between a directory user and the contact the sync owns. */
	sourceId: string;
	action: SyncAction;
	/** Set when `action` is `remove`. */
	reason?: RemovalReason;
	/**
	 * Set when `action` is `upsert`. On `remove` items it carries just `phone` when the directory still
	 * has the user's number, so the sync finds the contact with a look-up instead of reading every contact.
	 */
	contact?: ContactFields;
	/**
	 * The directory user the item was mapped from: on two-way items (write-back reads
	 * `onPremisesSyncEnabled`) and when the Contact Mapper's "Include Directory Attributes" is on.
	 */
	source?: Record<string, unknown>;
	/** Stable hash of the mapped values: equal fingerprints mean nothing to write. */
	fingerprint?: string;
	/** Set by the Contact Mapper when its configuration's direction is `reverse` or `bidirectional`. */
	direction?: SyncDirection;
	/**
	 * Contact field (`phone`, `firstName`, `email`, `customFields.<key>`, …) → the directory attribute it
	 * was mapped from. Stamped with `direction`; lists only the fields that can be written back.
	 */
	provenance?: Record<string, FieldProvenance>;
}

/** Machine codes of the Contact Mapper's Rejected output. */
export type RejectCode =
	| 'missingId'
	| 'missingPhone'
	| 'invalidPhone'
	| 'phoneHasExtension'
	| 'phoneNotMobile'
	| 'ambiguousPhone'
	| 'invalidValue'
	| 'invalidInput';

export interface RejectedItem {
	sourceId?: string;
	code: RejectCode;
	/** Human-readable reason, safe to show to an admin. */
	reason: string;
	/** Contact field or source attribute at fault, when there is one. */
	field?: string;
	source: Record<string, unknown>;
}

/**
 * n8n's "Always Output Data" setting passes a single empty item (`{}`) when a node produced nothing.
 * Our nodes treat such an item as "no input" rather than as a bad record, so an empty directory read
 * reaches the sync node (whose deletion guard then explains why nothing was removed).
 */
export function isEmptyPlaceholder(json: unknown): boolean {
	return (
		typeof json === 'object' &&
		json !== null &&
		!Array.isArray(json) &&
		Object.keys(json).length === 0
	);
}

/**
 * The port between the sync and the directory: lib/sync writes directory users only through it, and
 * lib/entra implements it (`entraDirectoryWriter`), so neither imports the other.
 */
export interface DirectoryWriter {
	/** PATCHes the given attributes of one user (Graph: `PATCH /users/{id}`). */
	updateUser(id: string, changes: Record<string, unknown>): Promise<void>;
}

/**
 * Thrown by a DirectoryWriter when the directory keeps the attributes read-only for this user
 * (synced from on-premises AD): the write-back is reported `skipped`, not `failed`.
 */
export class WriteBackRefused extends Error {
	constructor(
		message: string,
		readonly reason = 'on-premises mastered',
	) {
		super(message);
		this.name = 'WriteBackRefused';
	}
}
