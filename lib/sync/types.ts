/**
 * Shapes of the sync plan: desired vs actual before any write (plan entries, the account state and
 * the classified input). Pure data, no n8n types. Re-exports the options (options.ts) and what a run
 * reports (outcomes.ts), so importers take every shape from here.
 */

import type { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { SyncItem } from '../types';
import type { Direction, SyncMode } from './options';
import type { GuardReport, SyncOutcome } from './outcomes';
import type { OwnershipRecord } from './record';
import type {
	Contact,
	ContactList,
	CustomField,
	CustomFieldType,
	SubscriptionState,
	WritableChannel,
} from '../messagemedia/types';

export {
	DEFAULT_SYNC_OPTIONS,
	MAX_CONCURRENCY,
	type Direction,
	type DirectionChoice,
	type NewContactSubscription,
	type PhoneWriteFormat,
	type RemovalPolicy,
	type SyncMode,
	type SyncOptions,
} from './options';
export * from './outcomes';

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
	/**
	 * The writable channels as the plan read them (with `channels` only): the applier applies the
	 * planned change to the channels the contact has when it writes (overlap.ts `freshChannels`).
	 */
	storedChannels?: WritableChannel[];
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
