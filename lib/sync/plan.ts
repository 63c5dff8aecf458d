/**
 * The sync planner: desired state (Contact Mapper items) against actual state (MessageMedia contacts,
 * lists, custom fields) gives a plan of creates, updates and removals, with the deletion guard applied.
 * Pure: no I/O, so a dry run and a real run share exactly this plan.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { ContactFields, SyncItem } from '../types';
import type { Contact, SubscriptionState } from '../messagemedia/types';
import { AccountIndex, EMAIL_FIELD_MAX_LENGTH, TEXT_FIELD_MAX_LENGTH } from './account';
import { byAge, fieldValue, hasNumber, linkedSourceId, listKey, push, smsChannels } from './contact';
import { report, updateEntry, withoutChanges } from './entries';
import { markAbsent, planRelease, planRemoval, type RemovalContext } from './removal';
import { findTakeovers } from './takeover';
import { diffContact, diffIsEmpty, recordOf, type DiffContext } from './diff';
import { holdListRemovals, weighRemovals } from './guard';
import { hashValue, encodeBase, ownerHash } from './merge';
import { followBase, itemValue, planPair, type PairContext } from './pair';
import { encodeRecord, listHash, scopeHash } from './record';
import type {
	ActualState,
	ContactAttribute,
	Direction,
	FieldSpec,
	ListSpec,
	PlanEntry,
	PlannedUpdate,
	ResolvedContact,
	SyncInput,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
} from './types';
import { resolveDirection } from './writeback';

export { listKey, mergeTagFor } from './contact';
export { EMAIL_FIELD_MAX_LENGTH, TEXT_FIELD_MAX_LENGTH };

/** Max length of the link field: an Entra object id is a 36-character GUID. */
export const LINK_FIELD_MAX_LENGTH = 64;
/** The base field holds about 20 characters per written-back field; 1000 is MessageMedia's longest custom field. */
export const BASE_FIELD_MAX_LENGTH = 1000;
/** The ownership record: a number and about 9 characters per list membership. */
export const RECORD_FIELD_MAX_LENGTH = 1000;

/**
 * Plans a sync run. With partial state (incremental look-up) it may ask for a full scan (`needsFullScan`).
 * `now` (ms) dates the bases a bidirectional run writes and feeds the "newest change wins" rule.
 */
export function planSync(inputs: SyncInput[], state: ActualState, options: SyncOptions, now: number = Date.now()): SyncPlan {
	return new Planner(state, options, resolveDirection(inputs, options.direction), now).plan(inputs);
}

const nullRecord = <V>(): Record<string, V> => Object.create(null) as Record<string, V>;

class Planner {
	private readonly account: AccountIndex;
	private readonly handed = new Set<string>();
	private readonly link: FieldSpec;
	private readonly record: FieldSpec;
	/** The base field: bidirectional runs (created when missing); one-way runs keep an existing one true. */
	private readonly baseSpec?: FieldSpec;
	private readonly linked = new Map<string, Contact[]>();
	private readonly byPhone = new Map<string, Contact[]>();
	/** Numbers an item of this run already owns (so two users with one number don't both create). */
	private readonly claimedPhones = new Map<string, string>();
	/** Contacts this run hands to another user (number swaps, a leaver's number to a new hire): contact → new owner. */
	private relinked = new Map<Contact, string>();
	private readonly removals: PlanEntry[] = [];
	private readonly optedOut = new Set<string>();
	private readonly readOnly: Set<string>;
	private unresolved = 0;
	/** Users the input keeps in scope, and users it removes (lower-case ids). */
	private readonly present = new Set<string>();
	private readonly leaving = new Set<string>();
	/** Input items that name no user: absence proves nothing then. */
	private unnamed = 0;
	/** This run's sync scope (hash); undefined: the default scope. */
	private readonly scope: string | undefined;

	constructor(
		private readonly state: ActualState,
		private readonly options: SyncOptions,
		private readonly direction: Direction,
		private readonly now: number,
	) {
		this.account = new AccountIndex(state, options);
		this.scope = scopeHash(options.syncScope);
		this.link = this.account.fieldSpec(options.linkFieldLabel, { type: 'TEXT', maxLength: LINK_FIELD_MAX_LENGTH }) as FieldSpec;
		this.record = this.account.fieldSpec(options.recordFieldLabel, { type: 'TEXT', maxLength: RECORD_FIELD_MAX_LENGTH }) as FieldSpec;
		this.baseSpec =
			direction === 'bidirectional'
				? this.account.fieldSpec(options.baseFieldLabel, { type: 'TEXT', maxLength: BASE_FIELD_MAX_LENGTH })
				: this.account.existingFieldSpec(options.baseFieldLabel);
		this.readOnly = new Set(options.onPremisesReadOnly);
		for (const phone of state.optedOut ?? []) this.optedOut.add(phone);
		for (const contact of [...state.contacts].sort(byAge)) {
			const sourceId = linkedSourceId(contact, this.link.id);
			if (sourceId !== undefined) push(this.linked, sourceId, contact);
			for (const channel of smsChannels(contact)) push(this.byPhone, channel.channelId, contact);
			// A number unsubscribed on any channel (SMS or WhatsApp) is opted out.
			for (const channel of contact.channels) if (channel.subscriptionState === 'UNSUBSCRIBED') this.optedOut.add(channel.channelId);
		}
		for (const own of [this.link, this.record, this.baseSpec]) if (own) this.account.own.add(own);
	}

	plan(inputs: SyncInput[]): SyncPlan {
		for (const name of this.options.managedLists) {
			if (name.trim() === '') continue;
			this.handed.add(listKey(name));
			this.account.listSpec(listKey(name));
		}
		for (const input of inputs) {
			const key = sourceKeyOf(input);
			if (key === undefined) this.unnamed++;
			else if (input.kind === 'item' && input.item.action === 'remove') this.leaving.add(key);
			else this.present.add(key);
		}
		for (const key of this.present) this.leaving.delete(key);
		if (this.options.mode === 'full' && this.unnamed === 0) {
			for (const [key, contacts] of this.linked) if (!this.present.has(key) && contacts.some((c) => this.owns(c))) this.leaving.add(key);
		}
		this.planTakeovers(inputs);

		const entries: PlanEntry[] = [];
		const removals = this.removals;
		const deferred: Array<{ base: SyncOutcome; item: SyncItem }> = [];
		const seen = new Map<string, number>();
		let inScope = 0;
		for (const input of inputs) {
			const sourceKey = sourceKeyOf(input);
			const firstIndex = sourceKey === undefined ? undefined : seen.get(sourceKey);
			if (sourceKey !== undefined && firstIndex === undefined) seen.set(sourceKey, input.index);
			if (input.kind === 'invalid') {
				if (sourceKey !== undefined) inScope++;
				entries.push(report({ sourceId: input.sourceId ?? '', action: 'unchanged', itemIndex: input.index }, 'failed', undefined, input.message));
				continue;
			}
			if (input.kind === 'rejected') {
				if (sourceKey !== undefined) inScope++;
				entries.push(report({ sourceId: input.sourceId ?? '', action: 'rejected', itemIndex: input.index }, 'rejected', input.reason));
				continue;
			}
			const { item } = input;
			const base: SyncOutcome = { sourceId: item.sourceId, action: 'unchanged', itemIndex: input.index };
			if (firstIndex !== undefined) {
				entries.push(report(base, 'rejected', `The same sourceId is already in item ${firstIndex}`));
				continue;
			}
			if (item.action === 'upsert') {
				inScope++;
				entries.push(...this.planUpsert(base, item));
			} else deferred.push({ base, item });
		}
		// Removals last: a contact handed to another user in this run is not removed.
		for (const { base, item } of deferred) {
			if (this.direction === 'toDirectory') {
				entries.push(report(base, 'skipped', 'A reverse sync (MessageMedia → directory) never removes contacts'));
				continue;
			}
			const all = this.linked.get(item.sourceId.toLowerCase()) ?? [];
			const contacts = all.filter((c) => !this.relinked.has(c) && this.owns(c));
			if (contacts.length === 0 && all.some((c) => !this.owns(c))) {
				entries.push(report(base, 'skipped', 'The contact belongs to another sync scope'));
				continue;
			}
			if (contacts.length === 0) {
				if (!this.state.complete) this.unresolved++;
				entries.push(report(base, 'skipped', 'No contact is linked to this user'));
			}
			for (const contact of contacts) removals.push(this.planRemoval(contact, base, item.reason ?? 'removed'));
		}
		if (this.options.mode === 'full' && this.direction !== 'toDirectory') {
			for (const [sourceKey, contacts] of this.linked) {
				if (seen.has(sourceKey)) continue;
				for (const contact of contacts) {
					if (this.relinked.has(contact) || !this.owns(contact)) continue;
					const sourceId = contact.customFields.find((cf) => cf.id === this.link.id)?.value.trim() ?? sourceKey;
					const base: SyncOutcome = { sourceId, action: 'unchanged', contactId: contact.id };
					const marked = this.scope === undefined ? undefined : markAbsent(contact, base, this.removalContext());
					if (marked !== undefined) entries.push(marked);
					else if (this.unnamed > 0) {
						entries.push(
							report(
								base,
								'blocked',
								`Absent from the input, but ${this.unnamed} input item(s) name no user (a failed directory read or broken items): removals of absent users are held back`,
							),
						);
					} else removals.push(this.planRemoval(contact, base, 'absent from the directory read'));
				}
			}
		}
		return this.finish(entries, removals, inScope);
	}

	/** The contact belongs to this run's sync scope. */
	private owns(contact: Contact): boolean {
		return recordOf(contact, this.diffContext()).scope === this.scope;
	}

	private finish(entries: PlanEntry[], removals: PlanEntry[], inScope: number): SyncPlan {
		let memberships = 0;
		let linked = 0;
		for (const contacts of this.linked.values()) {
			for (const contact of contacts) {
				if (!this.owns(contact)) continue;
				linked++;
				memberships += recordOf(contact, this.diffContext()).lists.length;
			}
		}
		const updates = entries.filter((entry): entry is PlannedUpdate => entry.kind === 'update');
		const guard = weighRemovals(
			{
				removals: removals.filter((entry) => entry.kind !== 'report').length,
				linked,
				membershipRemovals: updates.reduce((sum, entry) => sum + entry.listsRemove.length, 0),
				memberships,
				inScope,
			},
			this.options,
		);
		const blocked = guard.status === 'tripped';
		if (blocked) for (const [index, entry] of entries.entries()) if (entry.kind === 'update') entries[index] = holdListRemovals(entry, this.record, this.account.listName);
		for (const entry of removals) {
			if (!blocked || entry.kind === 'report') entries.push(entry);
			else entries.push(report(withoutChanges(entry.outcome), 'blocked', `Deletion guard: would be ${entry.outcome.action} (${entry.outcome.reason})`));
		}

		const plan: SyncPlan = {
			mode: this.options.mode,
			direction: this.direction,
			...(this.baseSpec ? { baseField: this.baseSpec.mergeTag } : {}),
			entries,
			linkField: this.link.mergeTag,
			recordField: this.record.mergeTag,
			fields: nullRecord<FieldSpec>(),
			lists: nullRecord<ListSpec>(),
			managedLists: [...this.handed],
			optedOut: [...this.optedOut],
			guard,
		};
		if (this.newSubscription() !== undefined) plan.newSubscription = this.newSubscription();
		if (this.scope !== undefined) plan.scope = this.scope;
		// Only what a write uses is created (a dry run lists it as "would create").
		for (const entry of entries) {
			const tags = entry.kind === 'create' ? Object.keys(entry.desired.fields) : entry.kind === 'update' ? Object.keys(entry.fields) : [];
			for (const tag of tags) plan.fields[tag] = this.account.fieldSpecs.get(tag) as FieldSpec;
			const keys =
				entry.kind === 'create' ? (entry.desired.lists ?? []) : entry.kind === 'update' ? [...entry.listsAdd, ...entry.listsRemove] : [];
			for (const key of keys) plan.lists[key] = this.account.listSpecs.get(key) as ListSpec;
			// Every contact write is stamped with the run's snapshot time, and checked against the stamp (overlap.ts).
			if (entry.kind === 'update' || entry.kind === 'delete') plan.fields[this.record.mergeTag] = this.record;
		}
		// A two-way run makes the base field even when it writes nothing: one-way runs on the account then
		// keep bases true for the contacts they create or hand over, which a later two-way run relies on.
		if (this.direction === 'bidirectional' && this.baseSpec !== undefined && this.baseSpec.id === undefined) plan.fields[this.baseSpec.mergeTag] = this.baseSpec;
		if (!this.state.complete) {
			if (this.unresolved > 0) {
				plan.needsFullScan = `${this.unresolved} item(s) have no linked contact under their number (new users, changed numbers or removals): all contacts were read to find their links`;
				plan.needsFullScanFor = 'links';
			} else if (guard.status !== 'ok') {
				// Weighed against the linked contacts known so far, a lower bound of all: within the threshold
				// here is within it for all; above it needs more of them (the guard is never weakened).
				plan.needsFullScan = `${guard.removals + guard.membershipRemovals} removals: all contacts were read to weigh them for the deletion guard`;
				plan.needsFullScanFor = 'guard';
			}
		}
		return plan;
	}

	/** Contacts that change hands in this run (adoption, swaps, a leaver's number to a new hire): see takeover.ts. */
	private planTakeovers(inputs: SyncInput[]): void {
		if (this.direction === 'toDirectory') return;
		const relinked = findTakeovers({
			inputs,
			linked: this.linked,
			byPhone: this.byPhone,
			linkFieldId: this.link.id,
			leaving: this.leaving,
			adoptExisting: this.options.adoptExisting,
		});
		this.relinked = relinked;
		for (const [contact, user] of relinked) {
			const owner = linkedSourceId(contact, this.link.id);
			if (owner !== undefined) this.linked.set(owner, (this.linked.get(owner) ?? []).filter((c) => c !== contact));
			this.linked.set(user, [contact, ...(this.linked.get(user) ?? [])]);
		}
	}

	private newSubscription(): SubscriptionState | undefined {
		return this.options.newContactSubscription === 'SUBSCRIBED' ? 'SUBSCRIBED' : undefined;
	}

	private diffContext(): DiffContext {
		return {
			fields: this.account.fieldSpecs,
			handed: this.handed,
			record: this.record,
			optedOut: this.optedOut,
			newSubscription: this.newSubscription(),
			...(this.scope === undefined ? {} : { scope: this.scope }),
		};
	}

	private pairContext(): PairContext {
		return {
			direction: this.direction,
			options: this.options,
			baseSpec: this.baseSpec,
			readOnly: this.readOnly,
			customFields: this.state.customFields,
			now: this.now,
		};
	}

	private planUpsert(base: SyncOutcome, item: SyncItem): PlanEntry[] {
		const contact = item.contact ?? {};
		const resolved = this.account.resolve(contact);
		if (typeof resolved === 'string') return [report(base, 'failed', undefined, resolved)];
		const tooLong = Object.entries(resolved.fields).find(([tag, value]) => value.length > (this.account.fieldSpecs.get(tag) as FieldSpec).maxLength);
		if (tooLong !== undefined) {
			const spec = this.account.fieldSpecs.get(tooLong[0]) as FieldSpec;
			return [report(base, 'rejected', `"${spec.label}" holds at most ${spec.maxLength} characters; the value has ${tooLong[1].length}`)];
		}
		// The link field can't hold a longer id (a real Entra object id is a 36-character GUID).
		if (base.sourceId.length > this.link.maxLength) {
			return [report(base, 'rejected', `"${this.link.label}" holds at most ${this.link.maxLength} characters; the sourceId has ${base.sourceId.length}`)];
		}
		const phone = resolved.phone;
		const withPhone = phone === undefined ? base : { ...base, phone };
		const sourceKey = base.sourceId.toLowerCase();
		const linked = this.linked.get(sourceKey) ?? [];
		if (linked.length > 0) {
			const keep = linked.find((c) => phone !== undefined && hasNumber(c, phone)) ?? linked[0];
			const duplicates: PlanEntry[] = [];
			for (const c of linked.filter((other) => other !== keep)) {
				const other = { ...withPhone, contactId: c.id, phone: smsChannels(c)[0]?.channelId };
				if (phone !== undefined && hasNumber(keep, phone)) {
					// An older contact of the user's (their number is on the other one now): unlinked, left to people.
					duplicates.push(planRelease(c, other, this.removalContext(), `Superseded: the user's number ${phone} is on contact ${keep.id}`));
					continue;
				}
				const why = `Also linked to this user; contact ${keep.id} is kept and synced, this one is left as it is (remove it by hand)`;
				duplicates.push(report(other, 'duplicate', why));
			}
			const relinked = this.relinked.has(keep);
			// A contact taken over on a partial read: the user's older contacts may be among those not read.
			if (relinked && !this.state.complete) this.unresolved++;
			// The first user of the run with a number claims it (a later one with the same number is a conflict).
			if (phone !== undefined && !this.claimedPhones.has(phone)) this.claimedPhones.set(phone, base.sourceId);
			return [this.planUpdate({ ...withPhone, contactId: keep.id }, keep, resolved, relinked ? 'adopted' : 'updated', item, relinked), ...duplicates];
		}
		if (!this.state.complete) this.unresolved++;
		if (this.direction === 'toDirectory') {
			return [report(base, 'skipped', 'No contact is linked to this user; a reverse sync (MessageMedia → directory) creates none')];
		}
		if (phone === undefined) return [report(base, 'rejected', 'No phone number: a new contact needs an SMS number')];
		const claimedBy = this.claimedPhones.get(phone);
		if (claimedBy !== undefined) return [report(withPhone, 'conflict', `Another user of this run (${claimedBy}) has the same number`)];
		this.claimedPhones.set(phone, base.sourceId);
		const holder = this.phoneHolder(phone, undefined);
		if (holder !== undefined) {
			const holderSource = linkedSourceId(holder, this.link.id);
			if (holderSource !== undefined) {
				return [report({ ...withPhone, contactId: holder.id }, 'conflict', `The number belongs to a contact linked to another user (${holderSource})`)];
			}
			if (!this.options.adoptExisting) {
				return [report({ ...withPhone, contactId: holder.id }, 'conflict', 'The number belongs to an unlinked contact; turn on "Adopt Existing Contacts" to link it')];
			}
			return [this.planUpdate({ ...withPhone, contactId: holder.id }, holder, resolved, 'adopted', item, true)];
		}
		return [this.planCreate(withPhone, item, resolved, phone)];
	}

	private planCreate(base: SyncOutcome, item: SyncItem, resolved: ResolvedContact, phone: string): PlanEntry {
		const desired = { ...resolved, phone, fields: { ...resolved.fields, [this.link.mergeTag]: base.sourceId } };
		desired.fields[this.record.mergeTag] = encodeRecord({ phone, lists: (resolved.lists ?? []).map(listHash), scope: this.scope });
		const values: Record<string, string> = {};
		for (const [key, value] of Object.entries(desired.attributes)) if (value !== '') values[key] = value;
		values.phone = phone;
		for (const [tag, value] of Object.entries(desired.fields)) {
			if (value === '') delete desired.fields[tag];
			else if (tag !== this.record.mergeTag) values[this.account.fieldLabel(tag)] = value;
		}
		// A new contact holds the directory's values: they are the base (one-way runs too, once two-way
		// runs use the account: a later two-way run then tells which side changed).
		const fresh = this.directoryBase(item);
		if (fresh !== undefined && this.baseSpec !== undefined) desired.fields[this.baseSpec.mergeTag] = fresh;
		for (const key of Object.keys(desired.attributes) as ContactAttribute[]) if (desired.attributes[key] === '') delete desired.attributes[key];
		const outcome: SyncOutcome = { ...base, action: 'created', values };
		if (desired.lists?.length) outcome.lists = { added: desired.lists.map((key) => (this.account.listSpecs.get(key) as ListSpec).name), removed: [] };
		const subscriptionState: SubscriptionState | undefined = this.optedOut.has(phone) ? 'UNSUBSCRIBED' : this.newSubscription();
		return { kind: 'create', outcome, desired, ...(subscriptionState ? { subscriptionState } : {}) };
	}

	/** The base of a contact that holds the directory's values of the item; undefined without a base field or reversible fields. */
	private directoryBase(item: SyncItem): string | undefined {
		if (this.baseSpec === undefined) return undefined;
		const hashes: Record<string, string> = {};
		for (const key of Object.keys(item.provenance ?? baseKeys(item.contact ?? {}))) {
			const value = itemValue(item.contact ?? {}, key);
			if (value !== undefined) hashes[key] = hashValue(value);
		}
		return Object.keys(hashes).length > 0 ? encodeBase({ time: this.now, owner: ownerHash(item.sourceId), hashes }) : undefined;
	}

	/** Another contact (not `self`) with an SMS channel for the number. */
	private phoneHolder(phone: string, self: Contact | undefined): Contact | undefined {
		return (this.byPhone.get(phone) ?? []).find((c) => c !== self);
	}

	/**
	 * Updates a linked (adopted, or handed over) contact. Reverse and bidirectional runs first plan the
	 * pair's reversible fields: what MessageMedia keeps, what the directory gets, the new base.
	 */
	private planUpdate(base: SyncOutcome, contact: Contact, resolved: ResolvedContact, changed: 'updated' | 'adopted', item: SyncItem, relink: boolean): PlanEntry {
		let desired = resolved;
		if (relink) desired = { ...desired, fields: { ...desired.fields, [this.link.mergeTag]: base.sourceId } };
		const record = recordOf(contact, this.diffContext());
		if (this.direction === 'toMessaging') {
			const followed = relink ? undefined : followBase(item, contact, record, this.pairContext());
			if (followed !== undefined && this.baseSpec !== undefined) {
				const kept = this.account.resolve(followed.contact);
				if (typeof kept === 'string') return report(base, 'failed', undefined, kept);
				desired = { ...kept, fields: { ...kept.fields } };
				if (followed.base !== undefined) desired.fields[this.baseSpec.mergeTag] = followed.base;
			} else if (this.baseSpec?.id !== undefined && (relink || fieldValue(contact, this.baseSpec.id) !== '')) {
				// Adopted, handed over, or carrying another user's base: the contact now holds the directory's
				// values, so they are its base; a stale base would make a later two-way run take a change made
				// only in MessageMedia for a change on both sides.
				const fresh = this.directoryBase(item);
				if (fresh !== undefined) desired = { ...desired, fields: { ...desired.fields, [this.baseSpec.mergeTag]: fresh } };
			}
			return this.planContactUpdate(base, contact, desired, changed);
		}
		const pair = planPair(item, contact, record, relink, this.pairContext());
		const extras: SyncOutcome = { ...base };
		if (pair.directory) extras.directory = pair.directory;
		if (pair.conflicts) extras.conflicts = pair.conflicts;
		if (this.direction === 'toDirectory') {
			const entry = report(extras, 'unchanged');
			if (pair.writeBack && entry.kind === 'report') entry.writeBack = pair.writeBack;
			return entry;
		}
		const merged = this.account.resolve(pair.contact);
		if (typeof merged === 'string') return report(base, 'failed', undefined, merged);
		desired = { ...merged, fields: { ...merged.fields, ...(relink ? { [this.link.mergeTag]: base.sourceId } : {}) } };
		if (pair.base !== undefined && this.baseSpec !== undefined) desired.fields[this.baseSpec.mergeTag] = pair.base;
		const entry = this.planContactUpdate(extras, contact, desired, changed);
		if (pair.writeBack) {
			if (entry.kind === 'update') entry.writeBack = pair.writeBack;
			// The contact's number is in conflict: nothing of this pair is written, the directory neither.
			else delete entry.outcome.directory;
		}
		return entry;
	}

	private planContactUpdate(base: SyncOutcome, contact: Contact, desired: ResolvedContact, changed: 'updated' | 'adopted'): PlanEntry {
		if (desired.phone !== undefined && !hasNumber(contact, desired.phone)) {
			const holder = this.phoneHolder(desired.phone, contact);
			const claimedBy = this.claimedPhones.get(desired.phone);
			if (holder !== undefined || (claimedBy !== undefined && claimedBy !== base.sourceId)) {
				return report(
					base,
					'conflict',
					`The new number ${desired.phone} already belongs to ${holder ? `contact ${holder.id}` : `another user of this run (${claimedBy})`}; the contact was not changed`,
				);
			}
			this.claimedPhones.set(desired.phone, base.sourceId);
		}
		const diff = diffContact(contact, desired, this.diffContext(), this.account.fieldLabel);
		if (diff.stuck !== undefined) return report(base, 'conflict', diff.stuck);
		// The base field is bookkeeping, not a change to report.
		if (this.baseSpec !== undefined) delete diff.changes[this.baseSpec.label];
		if (diffIsEmpty(diff)) return report(base, 'unchanged');
		const reportable = Object.keys(diff.changes).length > 0 || diff.listsAdd.length > 0 || diff.listsRemove.length > 0;
		return updateEntry(this.account, base, contact, diff, reportable ? changed : 'unchanged');
	}


	private removalContext(): RemovalContext {
		return { policy: this.options.removalPolicy, diff: this.diffContext(), account: this.account, link: this.link, record: this.record, now: this.now };
	}

	private planRemoval(contact: Contact, base: SyncOutcome, reason: string): PlanEntry {
		return planRemoval(contact, base, reason, this.removalContext());
	}

}

/** The contact field keys of an item without provenance (one-way): what a base can hold for it. */
function baseKeys(contact: ContactFields): Record<string, true> {
	const keys: Record<string, true> = {};
	for (const key of [...CONTACT_ATTRIBUTES, 'phone', 'email'] as const) if (contact[key] !== undefined) keys[key] = true;
	for (const key of Object.keys(contact.customFields ?? {})) keys[`customFields.${key}`] = true;
	return keys;
}

function sourceKeyOf(input: SyncInput): string | undefined {
	const id = input.kind === 'item' ? input.item.sourceId : input.sourceId;
	return id === undefined || id.trim() === '' ? undefined : id.trim().toLowerCase();
}



