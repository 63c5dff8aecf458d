/**
 * What the planner knows while it plans one run (`PlanContext`): the account, the sync's own fields,
 * the contacts by user and by number, the numbers known opted out, and what the run has claimed so far.
 */

import type { Contact } from '../messagemedia/types';
import { AccountIndex } from './account';
import { byAge, linkedSourceId, listKey, push, smsChannels } from './contact';
import type { DiffContext } from './diff';
import type { PairContext } from './pair';
import { scopeHash } from './record';
import type { RemovalContext } from './removal';
import type { ActualState, Direction, FieldSpec, SyncOptions } from './types';

/** Max length of the link field: an Entra object id is a 36-character GUID. */
export const LINK_FIELD_MAX_LENGTH = 64;
/** The base field holds about 20 characters per written-back field; 1000 is MessageMedia's longest custom field. */
export const BASE_FIELD_MAX_LENGTH = 1000;
/** The ownership record: a number and about 9 characters per list membership. */
export const RECORD_FIELD_MAX_LENGTH = 1000;

export interface PlanContext {
	readonly state: ActualState;
	readonly options: SyncOptions;
	readonly direction: Direction;
	/** The run's time (ms): dates the bases it writes. */
	readonly now: number;
	readonly account: AccountIndex;
	readonly link: FieldSpec;
	readonly record: FieldSpec;
	/** The base field: bidirectional runs (created when missing); one-way runs keep an existing one true. */
	readonly baseSpec?: FieldSpec;
	/** This run's sync scope (hash); undefined: the default scope. */
	readonly scope: string | undefined;
	/** List keys handed to the sync with "Managed Lists". */
	readonly handed: Set<string>;
	/** Lower-case user id → contacts linked to them, oldest first (takeovers move contacts between users). */
	readonly linked: Map<string, Contact[]>;
	/** SMS number → contacts with a channel for it. */
	readonly byPhone: Map<string, Contact[]>;
	readonly optedOut: Set<string>;
	/** Contacts this run hands to another user (number swaps, a leaver's number to a new hire): contact → new owner. */
	readonly relinked: Map<Contact, string>;
	/** Numbers an item of this run already owns (so two users with one number don't both create). */
	readonly claimedPhones: Map<string, string>;
	/** Items the partial state (incremental look-up) can't settle, counted while planning. */
	unresolved: number;
	readonly diff: DiffContext;
	readonly pair: PairContext;
	readonly removal: RemovalContext;
}

/** Indexes the state read for a run: the sync's own fields, managed lists, contacts by user and number. */
export function planContext(
	state: ActualState,
	options: SyncOptions,
	direction: Direction,
	now: number,
): PlanContext {
	const account = new AccountIndex(state, options);
	const scope = scopeHash(options.syncScope);
	const link = account.fieldSpec(options.linkFieldLabel, {
		type: 'TEXT',
		maxLength: LINK_FIELD_MAX_LENGTH,
	}) as FieldSpec;
	const record = account.fieldSpec(options.recordFieldLabel, {
		type: 'TEXT',
		maxLength: RECORD_FIELD_MAX_LENGTH,
	}) as FieldSpec;
	const baseSpec =
		direction === 'bidirectional'
			? account.fieldSpec(options.baseFieldLabel, {
					type: 'TEXT',
					maxLength: BASE_FIELD_MAX_LENGTH,
				})
			: account.existingFieldSpec(options.baseFieldLabel);
	const linked = new Map<string, Contact[]>();
	const byPhone = new Map<string, Contact[]>();
	const optedOut = new Set<string>(state.optedOut ?? []);
	for (const contact of [...state.contacts].sort(byAge)) {
		const sourceId = linkedSourceId(contact, link.id);
		if (sourceId !== undefined) push(linked, sourceId, contact);
		for (const channel of smsChannels(contact)) push(byPhone, channel.channelId, contact);
		// A number unsubscribed on any channel (SMS or WhatsApp) is opted out.
		for (const channel of contact.channels)
			if (channel.subscriptionState === 'UNSUBSCRIBED') optedOut.add(channel.channelId);
	}
	for (const own of [link, record, baseSpec]) if (own) account.own.add(own);
	const handed = new Set<string>();
	for (const name of options.managedLists) {
		if (name.trim() === '') continue;
		handed.add(listKey(name));
		account.listSpec(listKey(name));
	}
	const diff: DiffContext = {
		fields: account.fieldSpecs,
		handed,
		record,
		optedOut,
		newSubscription: options.newContactSubscription === 'SUBSCRIBED' ? 'SUBSCRIBED' : undefined,
		...(scope === undefined ? {} : { scope }),
	};
	return {
		state,
		options,
		direction,
		now,
		account,
		link,
		record,
		baseSpec,
		scope,
		handed,
		linked,
		byPhone,
		optedOut,
		relinked: new Map(),
		claimedPhones: new Map(),
		unresolved: 0,
		diff,
		pair: {
			direction,
			options,
			baseSpec,
			readOnly: new Set(options.onPremisesReadOnly),
			customFields: state.customFields,
			now,
		},
		removal: { policy: options.removalPolicy, diff, account, link, record, now },
	};
}
