/**
 * The sync planner: desired state (Contact Mapper items) against actual state (MessageMedia contacts,
 * lists, custom fields) gives a plan of creates, updates and removals, with the deletion guard applied.
 * Pure: no I/O, so a dry run and a real run share exactly this plan.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { ContactFields, SyncItem } from '../types';
import type { Contact, SubscriptionState } from '../messagemedia/types';
import { byAge, findCustomField, hasNumber, isUnsubscribed, linkedSourceId, listKey, mergeTagFor, push, smsChannels, storedFieldValues, writableChannels } from './contact';
import { diffContact, diffIsEmpty, emptyFields, managedChannel, ownedMemberships, recordOf, setRecord, type ContactDiff, type DiffContext } from './diff';
import { weighRemovals } from './guard';
import { hashValue, encodeBase, ownerHash } from './merge';
import { followBase, itemValue, planPair, type PairContext } from './pair';
import { encodeRecord, listHash } from './record';
import type {
	ActualState,
	ContactAttribute,
	Direction,
	FieldSpec,
	FieldValues,
	ListSpec,
	OutcomeAction,
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

/** Max length of the link field: an Entra object id is a 36-character GUID. */
export const LINK_FIELD_MAX_LENGTH = 64;
/** RFC 5321 path limit. */
export const EMAIL_FIELD_MAX_LENGTH = 254;
export const TEXT_FIELD_MAX_LENGTH = 255;
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
	private readonly fieldSpecs = new Map<string, FieldSpec>();
	private readonly listSpecs = new Map<string, ListSpec>();
	private readonly handed = new Set<string>();
	private readonly link: FieldSpec;
	private readonly record: FieldSpec;
	/** The base field: bidirectional runs (created when missing); one-way runs keep an existing one true. */
	private readonly baseSpec?: FieldSpec;
	private readonly linked = new Map<string, Contact[]>();
	private readonly byPhone = new Map<string, Contact[]>();
	private readonly existingLists = new Map<string, { id: string; name: string }>();
	/** Numbers an item of this run already owns (so two users with one number don't both create). */
	private readonly claimedPhones = new Map<string, string>();
	/** Contacts this run hands to another user (number swaps, a leaver's number to a new hire): contact → new owner. */
	private readonly relinked = new Map<Contact, string>();
	private readonly optedOut = new Set<string>();
	private readonly readOnly: Set<string>;
	private unresolved = 0;
	/** Users the input keeps in scope, and users it removes (lower-case ids). */
	private readonly present = new Set<string>();
	private readonly leaving = new Set<string>();
	/** Input items that name no user: absence proves nothing then. */
	private unnamed = 0;

	constructor(
		private readonly state: ActualState,
		private readonly options: SyncOptions,
		private readonly direction: Direction,
		private readonly now: number,
	) {
		this.link = this.fieldSpec(options.linkFieldLabel, { type: 'TEXT', maxLength: LINK_FIELD_MAX_LENGTH }) as FieldSpec;
		this.record = this.fieldSpec(options.recordFieldLabel, { type: 'TEXT', maxLength: RECORD_FIELD_MAX_LENGTH }) as FieldSpec;
		this.baseSpec =
			direction === 'bidirectional'
				? this.fieldSpec(options.baseFieldLabel, { type: 'TEXT', maxLength: BASE_FIELD_MAX_LENGTH })
				: this.existingFieldSpec(options.baseFieldLabel);
		this.readOnly = new Set(options.onPremisesReadOnly);
		for (const phone of state.optedOut ?? []) this.optedOut.add(phone);
		for (const contact of [...state.contacts].sort(byAge)) {
			const sourceId = linkedSourceId(contact, this.link.id);
			if (sourceId !== undefined) push(this.linked, sourceId, contact);
			for (const channel of smsChannels(contact)) {
				push(this.byPhone, channel.channelId, contact);
				if (channel.subscriptionState === 'UNSUBSCRIBED') this.optedOut.add(channel.channelId);
			}
		}
		// Lists a contact is in exist even when the list read missed them.
		const lists = [...[...state.lists].sort(byAge), ...state.contacts.flatMap((contact) => contact.lists)];
		for (const list of lists) {
			if (!this.existingLists.has(listKey(list.name))) this.existingLists.set(listKey(list.name), list);
		}
	}

	plan(inputs: SyncInput[]): SyncPlan {
		for (const name of this.options.managedLists) {
			if (name.trim() === '') continue;
			this.handed.add(listKey(name));
			this.listSpec(listKey(name));
		}
		for (const input of inputs) {
			const key = sourceKeyOf(input);
			if (key === undefined) this.unnamed++;
			else if (input.kind === 'item' && input.item.action === 'remove') this.leaving.add(key);
			else this.present.add(key);
		}
		for (const key of this.present) this.leaving.delete(key);
		if (this.options.mode === 'full' && this.unnamed === 0) {
			for (const key of this.linked.keys()) if (!this.present.has(key)) this.leaving.add(key);
		}
		this.planSwaps(inputs);

		const entries: PlanEntry[] = [];
		const removals: PlanEntry[] = [];
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
			const contacts = (this.linked.get(item.sourceId.toLowerCase()) ?? []).filter((c) => !this.relinked.has(c));
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
					if (this.relinked.has(contact)) continue;
					const sourceId = contact.customFields.find((cf) => cf.id === this.link.id)?.value.trim() ?? sourceKey;
					const base: SyncOutcome = { sourceId, action: 'unchanged', contactId: contact.id };
					if (this.unnamed > 0) {
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

	private finish(entries: PlanEntry[], removals: PlanEntry[], inScope: number): SyncPlan {
		let memberships = 0;
		for (const contacts of this.linked.values()) for (const contact of contacts) memberships += recordOf(contact, this.diffContext()).lists.length;
		const updates = entries.filter((entry): entry is PlannedUpdate => entry.kind === 'update');
		const guard = weighRemovals(
			{
				removals: removals.filter((entry) => entry.kind !== 'report').length,
				linked: [...this.linked.values()].reduce((sum, contacts) => sum + contacts.length, 0),
				membershipRemovals: updates.reduce((sum, entry) => sum + entry.listsRemove.length, 0),
				memberships,
				inScope,
			},
			this.options,
		);
		const blocked = guard.status === 'tripped';
		if (blocked) for (const [index, entry] of entries.entries()) if (entry.kind === 'update') entries[index] = this.holdListRemovals(entry);
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
		// Only what a write uses is created (a dry run lists it as "would create").
		for (const entry of entries) {
			const tags = entry.kind === 'create' ? Object.keys(entry.desired.fields) : entry.kind === 'update' ? Object.keys(entry.fields) : [];
			for (const tag of tags) plan.fields[tag] = this.fieldSpecs.get(tag) as FieldSpec;
			const keys =
				entry.kind === 'create' ? (entry.desired.lists ?? []) : entry.kind === 'update' ? [...entry.listsAdd, ...entry.listsRemove] : [];
			for (const key of keys) plan.lists[key] = this.listSpecs.get(key) as ListSpec;
		}
		if (!this.state.complete) {
			if (this.unresolved > 0) {
				plan.needsFullScan = `${this.unresolved} item(s) have no linked contact under their number (new users, changed numbers or removals): all contacts were read to find their links`;
			} else if (guard.removals > this.options.minRemovalsBeforeGuard || guard.membershipRemovals > this.options.minRemovalsBeforeGuard) {
				plan.needsFullScan = `${guard.removals + guard.membershipRemovals} removals: all contacts were read to weigh them for the deletion guard`;
			}
		}
		return plan;
	}

	/** A tripped guard holds back every membership removal; the rest of the update goes on. */
	private holdListRemovals(entry: PlannedUpdate): PlanEntry {
		if (entry.listsRemove.length === 0) return entry;
		const held = entry.listsRemove.map((key) => this.listSpecs.get(key)?.name ?? key);
		const record = entry.record && { ...entry.record, lists: [...entry.record.lists, ...entry.listsRemove.map(listHash)] };
		const fields = { ...entry.fields };
		if (record !== undefined) {
			const diff = { fields, record };
			setRecord(diff, recordOfStored(entry, this.record), this.diffContext());
		}
		const outcome: SyncOutcome = { ...entry.outcome, reason: `Deletion guard: list removals held back (${held.join(', ')})` };
		if (outcome.lists) outcome.lists = { ...outcome.lists, removed: [] };
		const next: PlannedUpdate = { ...entry, outcome, listsRemove: [], fields, ...(record ? { record } : {}) };
		const writes = Object.keys(next.attributes).length > 0 || next.channels !== undefined || Object.keys(next.fields).length > 0 || next.listsAdd.length > 0;
		return writes || next.writeBack ? next : report(withoutChanges(entry.outcome), 'blocked', outcome.reason);
	}

	/** Number swaps between two users of this run: each contact goes to the user who now has its number. */
	private planSwaps(inputs: SyncInput[]): void {
		const wanted = new Map<string, string>();
		for (const input of inputs) {
			if (input.kind === 'item' && input.item.action === 'upsert' && input.item.contact?.phone) {
				wanted.set(input.item.sourceId.toLowerCase(), input.item.contact.phone);
			}
		}
		for (const [user, phone] of wanted) {
			const mine = this.linked.get(user);
			if (mine?.length !== 1 || hasNumber(mine[0], phone)) continue;
			const holders = this.byPhone.get(phone) ?? [];
			if (holders.length !== 1) continue;
			const other = linkedSourceId(holders[0], this.link.id);
			if (other === undefined || other === user || this.linked.get(other)?.length !== 1) continue;
			const otherPhone = wanted.get(other);
			if (otherPhone === undefined || otherPhone === phone || !hasNumber(mine[0], otherPhone)) continue;
			if (this.relinked.has(mine[0]) || this.relinked.has(holders[0])) continue;
			this.relinked.set(holders[0], user);
			this.relinked.set(mine[0], other);
			this.linked.set(user, [holders[0]]);
			this.linked.set(other, [mine[0]]);
		}
	}

	private newSubscription(): SubscriptionState | undefined {
		return this.options.newContactSubscription === 'SUBSCRIBED' ? 'SUBSCRIBED' : undefined;
	}

	private diffContext(): DiffContext {
		return { fields: this.fieldSpecs, handed: this.handed, record: this.record, optedOut: this.optedOut, newSubscription: this.newSubscription() };
	}

	private readonly fieldLabel = (tag: string): string => this.fieldSpecs.get(tag)?.label ?? tag;

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
		const resolved = this.resolve(contact);
		if (typeof resolved === 'string') return [report(base, 'failed', undefined, resolved)];
		const tooLong = Object.entries(resolved.fields).find(([tag, value]) => value.length > (this.fieldSpecs.get(tag) as FieldSpec).maxLength);
		if (tooLong !== undefined) {
			const spec = this.fieldSpecs.get(tooLong[0]) as FieldSpec;
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
			const duplicates = linked
				.filter((c) => c !== keep)
				.map((c) =>
					report(
						{ ...withPhone, contactId: c.id, phone: smsChannels(c)[0]?.channelId },
						'duplicate',
						`Also linked to this user; contact ${keep.id} is kept and synced, this one is left as it is (remove it by hand)`,
					),
				);
			const relinked = this.relinked.has(keep);
			if (phone !== undefined) this.claimedPhones.set(phone, base.sourceId);
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
			const fromLeaver = holderSource !== undefined && this.leaving.has(holderSource) && !this.relinked.has(holder);
			if (holderSource !== undefined && !fromLeaver) {
				return [report({ ...withPhone, contactId: holder.id }, 'conflict', `The number belongs to a contact linked to another user (${holderSource})`)];
			}
			if (!this.options.adoptExisting) {
				const why = fromLeaver ? `a contact linked to a user who left (${holderSource})` : 'an unlinked contact';
				return [report({ ...withPhone, contactId: holder.id }, 'conflict', `The number belongs to ${why}; turn on "Adopt Existing Contacts" to link it`)];
			}
			// A leaver's number given to a new hire: the contact (and its consent) goes with the number.
			if (fromLeaver) this.relinked.set(holder, sourceKey);
			return [this.planUpdate({ ...withPhone, contactId: holder.id }, holder, resolved, 'adopted', item, true)];
		}
		return [this.planCreate(withPhone, item, resolved, phone)];
	}

	private planCreate(base: SyncOutcome, item: SyncItem, resolved: ResolvedContact, phone: string): PlanEntry {
		const desired = { ...resolved, phone, fields: { ...resolved.fields, [this.link.mergeTag]: base.sourceId } };
		desired.fields[this.record.mergeTag] = encodeRecord({ phone, lists: (resolved.lists ?? []).map(listHash) });
		const values: Record<string, string> = {};
		for (const [key, value] of Object.entries(desired.attributes)) if (value !== '') values[key] = value;
		values.phone = phone;
		for (const [tag, value] of Object.entries(desired.fields)) {
			if (value === '') delete desired.fields[tag];
			else if (tag !== this.record.mergeTag) values[this.fieldLabel(tag)] = value;
		}
		if (this.direction === 'bidirectional' && this.baseSpec !== undefined) {
			// A new contact holds the directory's values: they are the base.
			const hashes: Record<string, string> = {};
			for (const key of Object.keys(item.provenance ?? {})) {
				const value = itemValue(item.contact ?? {}, key);
				if (value !== undefined) hashes[key] = hashValue(value);
			}
			if (Object.keys(hashes).length > 0) {
				desired.fields[this.baseSpec.mergeTag] = encodeBase({ time: this.now, owner: ownerHash(base.sourceId), hashes });
			}
		}
		for (const key of Object.keys(desired.attributes) as ContactAttribute[]) if (desired.attributes[key] === '') delete desired.attributes[key];
		const outcome: SyncOutcome = { ...base, action: 'created', values };
		if (desired.lists?.length) outcome.lists = { added: desired.lists.map((key) => (this.listSpecs.get(key) as ListSpec).name), removed: [] };
		const subscriptionState: SubscriptionState | undefined = this.optedOut.has(phone) ? 'UNSUBSCRIBED' : this.newSubscription();
		return { kind: 'create', outcome, desired, ...(subscriptionState ? { subscriptionState } : {}) };
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
			const followed = relink ? undefined : followBase(item, contact, this.pairContext());
			if (followed !== undefined && this.baseSpec !== undefined) desired = { ...desired, fields: { ...desired.fields, [this.baseSpec.mergeTag]: followed } };
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
		const merged = this.resolve(pair.contact);
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
		const diff = diffContact(contact, desired, this.diffContext(), this.fieldLabel);
		if (diff.stuck !== undefined) return report(base, 'conflict', diff.stuck);
		// The base field is bookkeeping, not a change to report.
		if (this.baseSpec !== undefined) delete diff.changes[this.baseSpec.label];
		if (diffIsEmpty(diff)) return report(base, 'unchanged');
		const reportable = Object.keys(diff.changes).length > 0 || diff.listsAdd.length > 0 || diff.listsRemove.length > 0;
		return this.updateEntry(base, contact, diff, reportable ? changed : 'unchanged');
	}

	private updateEntry(base: SyncOutcome, contact: Contact, diff: ContactDiff, action: OutcomeAction, reason?: string): PlannedUpdate {
		const outcome: SyncOutcome = { ...base, action, contactId: contact.id };
		if (reason !== undefined) outcome.reason = reason;
		if (Object.keys(diff.changes).length > 0) outcome.changes = { ...diff.changes };
		if (diff.listsAdd.length > 0 || diff.listsRemove.length > 0) {
			const name = (key: string) => (this.listSpec(key, key) as ListSpec).name;
			outcome.lists = {
				added: diff.listsAdd.map(name),
				removed: diff.listsRemove.map(name),
			};
		}
		return {
			kind: 'update',
			outcome,
			contactId: contact.id,
			attributes: diff.attributes,
			channels: diff.channels,
			fields: diff.fields,
			listsAdd: diff.listsAdd,
			listsRemove: diff.listsRemove,
			storedFields: storedFieldValues(contact),
			record: diff.record,
		};
	}

	private planRemoval(contact: Contact, base: SyncOutcome, reason: string): PlanEntry {
		const outcome: SyncOutcome = { ...base, contactId: contact.id, reason };
		const record = recordOf(contact, this.diffContext());
		const managed = managedChannel(contact, record);
		const phone = managed?.channelId ?? smsChannels(contact)[0]?.channelId;
		if (phone !== undefined) outcome.phone = phone;
		const policy = this.options.removalPolicy;
		if (policy === 'ignore') return report(outcome, 'skipped', `${reason}; removal policy is "ignore"`);
		if (policy === 'delete' && !isUnsubscribed(contact)) return { kind: 'delete', outcome: { ...outcome, action: 'removed' }, contactId: contact.id };
		const diff: ContactDiff = { attributes: {}, fields: emptyFields(), listsAdd: [], listsRemove: [], changes: nullRecord(), record: { ...record } };
		if (policy === 'unsubscribe') {
			if (managed === undefined || managed.subscriptionState === 'UNSUBSCRIBED') {
				return report(outcome, 'unchanged', `${reason}; ${managed ? 'already unsubscribed' : 'no number of the sync to unsubscribe'}`);
			}
			if (contact.channels.some((c) => c.type !== 'SMS' && c.type !== 'WHATSAPP')) {
				return report(outcome, 'skipped', `${reason}; the contact has channels an update can't carry, so it can't be unsubscribed safely: unsubscribe it by hand`);
			}
			diff.channels = writableChannels(contact).map((c) =>
				c.type === 'SMS' && c.channelId === managed.channelId ? { ...c, subscriptionState: 'UNSUBSCRIBED' } : c,
			);
			diff.changes.subscriptionState = { from: managed.subscriptionState ?? '', to: 'UNSUBSCRIBED' };
			return this.updateEntry(outcome, contact, diff, 'unsubscribed', reason);
		}
		// removeFromLists, or delete of an opted-out contact: it is kept (deleting it would lose the opt-out).
		const why = policy === 'delete' ? `${reason}; opted out, so the contact is kept (not deleted) and the opt-out is not lost` : reason;
		diff.listsRemove = ownedMemberships(contact, record, this.diffContext());
		if (diff.listsRemove.length === 0) return report(outcome, 'unchanged', `${why}; in no list the sync manages`);
		const removed = new Set(diff.listsRemove.map(listHash));
		diff.record.lists = record.lists.filter((hash) => !removed.has(hash));
		setRecord(diff, record, this.diffContext());
		return this.updateEntry(outcome, contact, diff, 'removedFromLists', why);
	}

	/** Resolves custom-field keys and list names; a string is the reason the item can't be written. */
	private resolve(contact: ContactFields): ResolvedContact | string {
		const resolved: ResolvedContact = { attributes: {}, fields: emptyFields() };
		for (const key of CONTACT_ATTRIBUTES) if (contact[key] !== undefined) resolved.attributes[key] = contact[key];
		if (contact.phone !== undefined) resolved.phone = contact.phone;
		if (contact.email !== undefined) {
			const email = this.fieldSpec(this.options.emailFieldLabel, { type: 'EMAIL', maxLength: EMAIL_FIELD_MAX_LENGTH }) as FieldSpec;
			resolved.fields[email.mergeTag] = contact.email;
		}
		for (const [key, value] of Object.entries(contact.customFields ?? {})) {
			const spec = this.fieldSpec(key, this.options.createMissingFields ? { type: 'TEXT', maxLength: TEXT_FIELD_MAX_LENGTH } : undefined);
			if (spec === undefined) {
				return `Custom field "${key}" matches no label or merge tag; create it in MessageMedia or turn on "Create Missing Custom Fields"`;
			}
			if (spec === this.link || spec === this.record || spec === this.baseSpec) {
				return `Custom field "${key}" is one of the sync's own fields (link, ownership record or base) and can't be mapped`;
			}
			resolved.fields[spec.mergeTag] = value;
		}
		if (contact.lists !== undefined) {
			resolved.lists = [];
			for (const name of contact.lists) {
				const spec = this.listSpec(listKey(name), name);
				if (spec === undefined) return `List "${name}" doesn't exist; create it in MessageMedia or turn on "Create Missing Lists"`;
				if (!resolved.lists.includes(listKey(name))) resolved.lists.push(listKey(name));
			}
		}
		return resolved;
	}

	private existingFieldSpec(key: string): FieldSpec | undefined {
		const existing = findCustomField(this.state.customFields, key);
		if (existing === undefined) return undefined;
		return this.fieldSpec(key, undefined);
	}

	private fieldSpec(key: string, create: Pick<FieldSpec, 'type' | 'maxLength'> | undefined): FieldSpec | undefined {
		const existing = findCustomField(this.state.customFields, key);
		const spec: FieldSpec | undefined = existing
			? { id: existing.id, label: existing.label, mergeTag: existing.mergeTag, type: existing.type, maxLength: existing.maxLength }
			: create && { label: key.trim(), mergeTag: mergeTagFor(key), ...create };
		if (spec === undefined) return undefined;
		const known = this.fieldSpecs.get(spec.mergeTag);
		if (known !== undefined) return known;
		this.fieldSpecs.set(spec.mergeTag, spec);
		return spec;
	}

	private listSpec(key: string, name?: string): ListSpec | undefined {
		const known = this.listSpecs.get(key);
		if (known) return known;
		const existing = this.existingLists.get(key);
		if (existing) {
			const spec = { id: existing.id, name: existing.name };
			this.listSpecs.set(key, spec);
			return spec;
		}
		if (!this.options.createMissingLists || name === undefined) return undefined;
		const spec = { name: name.trim() };
		this.listSpecs.set(key, spec);
		return spec;
	}
}

function sourceKeyOf(input: SyncInput): string | undefined {
	const id = input.kind === 'item' ? input.item.sourceId : input.sourceId;
	return id === undefined || id.trim() === '' ? undefined : id.trim().toLowerCase();
}

/** The record an update entry started from (the stored text of its contact). */
function recordOfStored(entry: PlannedUpdate, spec: FieldSpec) {
	return recordOf({ customFields: spec.id ? [{ id: spec.id, value: entry.storedFields[spec.id] ?? '' }] : [] } as unknown as Contact, { record: spec });
}

/** The outcome without its field, list and directory changes (for what was not, or will not be, written). */
export function withoutChanges(outcome: SyncOutcome): SyncOutcome {
	const copy = { ...outcome };
	delete copy.changes;
	delete copy.values;
	delete copy.lists;
	delete copy.directory;
	return copy;
}

function report(base: SyncOutcome, action: OutcomeAction, reason?: string, error?: string): PlanEntry {
	const outcome: SyncOutcome = { ...base, action };
	if (reason !== undefined) outcome.reason = reason;
	if (error !== undefined) outcome.error = { message: error };
	return { kind: 'report', outcome };
}

export type { FieldValues };
