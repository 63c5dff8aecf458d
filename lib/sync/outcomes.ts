/**
 * What a sync run reports: one outcome per directory user's contact (`SyncOutcome`), the deletion
 * guard's report, the run summary and the result `runSync` returns. Pure data.
 */

import type { ConcurrencyReport } from '../messagemedia/adaptive';
import type { Authority, Side } from './merge';
import type { Direction, SyncMode } from './options';

/** What happened (or, in a dry run, would happen) to one directory user's contact. */
export type OutcomeAction =
	| 'created'
	| 'adopted'
	| 'updated'
	| 'unchanged'
	| 'removed'
	| 'unsubscribed'
	| 'removedFromLists'
	| 'skipped'
	| 'blocked'
	| 'rejected'
	| 'conflict'
	| 'duplicate'
	| 'unlinked'
	| 'failed';

export const OUTCOME_ACTIONS: OutcomeAction[] = [
	'created',
	'adopted',
	'updated',
	'unchanged',
	'removed',
	'unsubscribed',
	'removedFromLists',
	'skipped',
	'blocked',
	'rejected',
	'conflict',
	'duplicate',
	'unlinked',
	'failed',
];

export interface FieldChange {
	from: string;
	to: string;
}

/** JSON-safe error of one contact (a MessageMedia error keeps its status, type, title/detail and invalid fields). */
export interface OutcomeError {
	message: string;
	status?: number;
	code?: string;
	requestId?: string;
	details?: Record<string, unknown>;
}

/** The directory side of one contact's outcome (write-back). */
export interface DirectoryOutcome {
	/** `updated`: written (dry run: would be); `skipped`: Entra keeps the attributes read-only; `failed`: the PATCH failed. */
	action: 'updated' | 'skipped' | 'failed';
	/** Entra object id. */
	userId: string;
	/** Attribute → old and new value, written (or to be written). */
	changes?: Record<string, FieldChange>;
	/** Attribute → old and new value, not written (see `reason`). */
	skipped?: Record<string, FieldChange>;
	reason?: string;
	error?: OutcomeError;
}

/** A field both sides changed since the last sync (or, without a base, that differs): both values and the winner. */
export interface FieldConflict {
	directory: string;
	messaging: string;
	winner: Side;
	reason: string;
}

export interface SyncOutcome {
	sourceId: string;
	action: OutcomeAction;
	/** Input item the outcome belongs to; absent for linked contacts a full run found missing from the input. */
	itemIndex?: number;
	contactId?: string;
	phone?: string;
	/** Why: removal reason, skip/block/conflict explanation. */
	reason?: string;
	/** Updated and adopted contacts: field → old and new value. */
	changes?: Record<string, FieldChange>;
	/**
	 * Created contacts: field (or custom field label) → the value written. One flat map rather than a
	 * `{ from: '', to }` pair per field: a first sync creates every contact, and n8n keeps these items.
	 */
	values?: Record<string, string>;
	/** List names the contact joins and leaves. */
	lists?: { added: string[]; removed: string[] };
	error?: OutcomeError;
	/**
	 * What MessageMedia stored differently from what the update sent (the contact it answered with,
	 * compared with what was meant). Never taken as written: the next run plans from a fresh read.
	 */
	diverged?: string;
	/** Write-back to the directory (reverse and bidirectional runs). */
	directory?: DirectoryOutcome;
	/** Contact field → the conflict and how it was settled (bidirectional runs). */
	conflicts?: Record<string, FieldConflict>;
}

export type GuardStatus = 'ok' | 'tripped' | 'overridden';

export interface GuardReport {
	status: GuardStatus;
	/** Removals the plan holds (before blocking). */
	removals: number;
	/** Linked contacts known to the run (all of them after a scan). */
	linked: number;
	/** Most removals allowed without an override. */
	threshold: number;
	/** Memberships the sync made that the plan takes away from users still in scope. */
	membershipRemovals: number;
	/** Memberships the sync made, on the contacts known to the run. */
	memberships: number;
	membershipThreshold: number;
	message?: string;
}

/** The directory side of a run (reverse and bidirectional runs). */
export interface DirectorySummary {
	direction: Direction;
	authority: Authority;
	/** Users written (dry run: to be written), skipped (read-only attributes) and failed. */
	updated: number;
	skipped: number;
	failed: number;
	/** Fields both sides changed since the last sync. */
	conflicts: number;
}

export interface SyncSummary {
	mode: SyncMode;
	dryRun: boolean;
	/** Input items considered (placeholders excluded). */
	items: number;
	counts: Record<OutcomeAction, number>;
	requests: { total: number; byMethod: Record<string, number>; retries: number };
	/** Requests in flight (lib/messagemedia/adaptive.ts); absent for a client without a transport. */
	concurrency?: ConcurrencyReport;
	durationMs: number;
	guard: GuardReport;
	/** How existing contacts were found: `scan` (all pages), `phone` (look-up by number) or `phone+scan`. */
	lookup: 'none' | 'scan' | 'phone' | 'phone+scan';
	/** Why an incremental run read contacts beyond its look-ups by number (all of them, or one page for the guard). */
	lookupNote?: string;
	/** Lists and custom fields created (dry run: that would be created). */
	listsCreated: string[];
	fieldsCreated: string[];
	/** Set when the run stopped without writing (deletion guard). */
	error?: string;
	/** Contacts whose update MessageMedia stored differently from what was sent (see `diverged` on each). */
	diverged: number;
	/** Set when the run time limit left writes undone (they are reported skipped; the next run does them). */
	timeLimit?: string;
	/** Reverse and bidirectional runs only. */
	directory?: DirectorySummary;
}

export interface SyncResult {
	outcomes: SyncOutcome[];
	summary: SyncSummary;
	/** The deletion guard stopped the run: nothing was written and the node fails with this message. */
	guardFailure?: string;
}
