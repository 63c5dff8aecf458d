/**
 * Shapes of the sync engine: its options, the plan (desired vs actual, before any write) and the
 * per-contact outcomes and run summary it reports. Pure data, no n8n types.
 */

import type { ConcurrencyReport } from '../messagemedia/adaptive';
import type { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { Authority, Side } from './merge';
import type { SyncItem } from '../types';
import type { OwnershipRecord } from './record';
import type {
	Contact,
	ContactList,
	CustomField,
	CustomFieldType,
	SubscriptionState,
	WritableChannel,
} from '../messagemedia/types';

export type SyncMode = 'full' | 'incremental';
export type RemovalPolicy = 'delete' | 'removeFromLists' | 'unsubscribe' | 'ignore';
/** `unset` sends no `subscriptionState` and leaves it to the account's default. */
export type NewContactSubscription = 'SUBSCRIBED' | 'unset';
/**
 * Direction of a run: `fromMapper` takes the direction the Contact Mapper stamped on the items (from
 * the JSON configuration), one-way when they carry none.
 */
export type DirectionChoice = 'fromMapper' | 'toMessaging' | 'toDirectory' | 'bidirectional';
/** The direction a run actually takes. */
export type Direction = Exclude<DirectionChoice, 'fromMapper'>;
/** How a phone number written back to the directory looks: E.164, or like the number it replaces. */
export type PhoneWriteFormat = 'e164' | 'original';

export interface SyncOptions {
	/** `full`: the input is the whole scope, linked contacts absent from it are removed; `incremental`: only the input items. */
	mode: SyncMode;
	/** Report the plan, write nothing. */
	dryRun: boolean;
	removalPolicy: RemovalPolicy;
	/** Link an unlinked contact that has the same SMS number instead of reporting a conflict. */
	adoptExisting: boolean;
	/** Label of the custom field holding the Entra object id (created when missing). */
	linkFieldLabel: string;
	/** Label of the custom field holding the email address (created when missing). */
	emailFieldLabel: string;
	/** Create a TEXT custom field for a `customFields` key that matches no label or merge tag. */
	createMissingFields: boolean;
	/** Create lists named by the input that don't exist yet. */
	createMissingLists: boolean;
	/** Lists the sync manages besides those named by this run's input (so a contact can leave a list nobody is in any more). */
	managedLists: string[];
	newContactSubscription: NewContactSubscription;
	/** Deletion guard: more removals than this percent of linked contacts stop the run... */
	maxRemovalPercent: number;
	/** ...but up to this many removals are always allowed. */
	minRemovalsBeforeGuard: number;
	/** Approve removals above the threshold for this run. */
	allowMassRemoval: boolean;
	/** When the guard trips: apply creates and updates, hold removals back (reported `blocked`), don't fail. */
	continueWithoutRemovals: boolean;
	/** Most MessageMedia requests in flight (1..MAX_CONCURRENCY): the adaptive controller's ceiling. */
	concurrency: number;
	/**
	 * Name of the sync scope this run owns ('' = the default scope). Several syncs can feed one account
	 * (two tenants, one workflow per partition): a full run only removes contacts of its own scope.
	 */
	syncScope: string;
	/** No contact write starts after this many minutes from the start of the run (the rest is reported skipped). */
	runTimeLimitMinutes: number;
	direction: DirectionChoice;
	/** Who wins when both sides changed a field since the last sync (bidirectional). */
	authority: Authority;
	phoneWriteFormat: PhoneWriteFormat;
	/** Label of the custom field holding the sync base (bidirectional; created when missing). */
	baseFieldLabel: string;
	/** Label of the custom field holding the ownership record: the number and list memberships the sync made (created when missing). */
	recordFieldLabel: string;
	/**
	 * Directory attributes Entra keeps read-only for users synced from on-premises AD
	 * (`onPremisesSyncEnabled`): never written back for them. The node passes lib/entra's list.
	 */
	onPremisesReadOnly: string[];
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
	mode: 'full',
	dryRun: false,
	removalPolicy: 'delete',
	adoptExisting: true,
	linkFieldLabel: 'Entra Object ID',
	emailFieldLabel: 'Email',
	createMissingFields: true,
	createMissingLists: true,
	managedLists: [],
	newContactSubscription: 'SUBSCRIBED',
	maxRemovalPercent: 10,
	minRemovalsBeforeGuard: 5,
	allowMassRemoval: false,
	continueWithoutRemovals: false,
	concurrency: 20,
	runTimeLimitMinutes: 120,
	syncScope: '',
	direction: 'fromMapper',
	authority: 'directory',
	phoneWriteFormat: 'original',
	baseFieldLabel: 'Entra Sync Base',
	recordFieldLabel: 'Entra Sync State',
	onPremisesReadOnly: [],
};

export const MAX_CONCURRENCY = 50;

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

/** A custom field the plan writes: existing (`id`) or to be created. */
export interface FieldSpec {
	id?: string;
	label: string;
	mergeTag: string;
	type: CustomFieldType;
	maxLength: number;
}

/** A list the plan writes to: existing (`id`) or to be created. */
export interface ListSpec {
	id?: string;
	name: string;
}

/** Scalar contact attributes the sync writes as they are. */
export type ContactAttribute = (typeof CONTACT_ATTRIBUTES)[number];

/** Custom field values keyed by the field's merge tag (see `SyncPlan.fields`). */
export type FieldValues = Record<string, string>;

/** An item's contact fields resolved against the account: custom fields by merge tag, lists by key. */
export interface ResolvedContact {
	/** Attributes the item sets ('' clears). */
	attributes: Partial<Record<ContactAttribute, string>>;
	phone?: string;
	/** Merge tag → value, including the link field (and the email field when the item has an email). */
	fields: FieldValues;
	/** List keys (lower-case names); undefined when the item says nothing about lists. */
	lists?: string[];
}

export interface PlannedCreate {
	kind: 'create';
	outcome: SyncOutcome;
	desired: ResolvedContact & { phone: string };
	subscriptionState?: SubscriptionState;
}

/** A PATCH of the directory user, applied before the contact's own update. */
export interface PlannedWriteBack {
	userId: string;
	/** Graph PATCH body: attribute → value (`null` clears, `businessPhones` is a one-element list). */
	body: Record<string, unknown>;
	/**
	 * The base field value to write instead of the planned one when the write-back does not happen
	 * (failed or refused), so the base never claims a value the directory doesn't hold;
	 * `null`: leave the base field as it is.
	 */
	baseOnFailure?: string | null;
}

export interface PlannedUpdate {
	kind: 'update';
	outcome: SyncOutcome;
	contactId: string;
	attributes: Partial<Record<ContactAttribute, string>>;
	/** Full writable channel set, only when the SMS number or a subscription changes. */
	channels?: WritableChannel[];
	fields: FieldValues;
	/** List keys the contact joins / leaves (bulk list endpoint). */
	listsAdd: string[];
	listsRemove: string[];
	writeBack?: PlannedWriteBack;
	/**
	 * Every custom field value the contact holds (field id → value). An update that sends custom fields
	 * sends all of them with its changes, so the result is the same whether the service replaces the
	 * stored array or merges into it.
	 */
	storedFields: Record<string, string>;
	/** List keys the contact is meant to be in after this update (those it keeps and joins). */
	memberships?: string[];
	/** The ownership record after this update (the applier adds back lists it failed to leave). */
	record?: OwnershipRecord;
	/** Opted-out numbers the update takes off the contact: put on the account's opt-out list before it. */
	optOut?: string[];
}

export interface PlannedDelete {
	kind: 'delete';
	outcome: SyncOutcome;
	contactId: string;
}

/** Reported only: unchanged, skipped, blocked, rejected, conflict, duplicate, failed. */
export interface PlannedReport {
	kind: 'report';
	outcome: SyncOutcome;
	/** Reverse runs: the write-back is the only write. */
	writeBack?: PlannedWriteBack;
}

export type PlanEntry = PlannedCreate | PlannedUpdate | PlannedDelete | PlannedReport;

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

export interface SyncPlan {
	mode: SyncMode;
	direction: Direction;
	/** Merge tag of the base field (bidirectional runs). */
	baseField?: string;
	entries: PlanEntry[];
	/** Merge tag of the link field (holds the Entra object id). */
	linkField: string;
	/** Custom fields by merge tag (the keys of `FieldValues`); those without `id` are created first. */
	fields: Record<string, FieldSpec>;
	/** Lists by lower-case name; those without `id` are created first. */
	lists: Record<string, ListSpec>;
	/** List keys handed to the sync with "Managed Lists" (lower-case names). */
	managedLists: string[];
	/** Merge tag of the ownership record field. */
	recordField: string;
	/** Numbers known to be opted out: never sent SUBSCRIBED. */
	optedOut: string[];
	/** State of an SMS channel the sync adds where it replaces none. */
	newSubscription?: SubscriptionState;
	/** The run's sync scope (hash); undefined: the default scope. */
	scope?: string;
	/**
	 * When the run read the directory (ms since epoch): stamped on every contact it writes, and no
	 * contact stamped newer is written (overlap.ts). Undefined: no stamp, no re-read before writes.
	 */
	snapshotAt?: number;
	guard: GuardReport;
	/**
	 * Set when the state given was partial (incremental look-up by phone) and not enough to plan safely:
	 * some item's linked contact may exist under another number. The caller reads all contacts and plans again.
	 */
	needsFullScan?: string;
	/** Why: `links` (a linked contact may be under another number) or `guard` (a page of contacts may be enough to weigh the removals). */
	needsFullScanFor?: 'links' | 'guard';
}

/** What the planner knows about MessageMedia. */
export interface ActualState {
	contacts: Contact[];
	/** `contacts` is every contact of the account (a full scan), not a look-up. */
	complete: boolean;
	lists: ContactList[];
	customFields: CustomField[];
	/** Numbers on the account's opt-out list (checked for the numbers a plan would store SUBSCRIBED). */
	optedOut?: string[];
}

/** One input item, classified. Placeholders (`{}`) are dropped before this. */
export type SyncInput =
	| { kind: 'item'; index: number; item: SyncItem }
	/** The Contact Mapper's rejected record: its user stays in scope, its contact is left alone. */
	| { kind: 'rejected'; index: number; sourceId?: string; reason: string }
	/**
	 * An item that is not a sync item. With a sourceId its user stays in scope (the contact is left
	 * alone); without one, a full run can't tell who is absent and holds back removals of absent users.
	 */
	| { kind: 'invalid'; index: number; sourceId?: string; message: string };

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
