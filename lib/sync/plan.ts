/**
 * The sync planner: desired state (Contact Mapper items) against actual state (MessageMedia contacts,
 * lists, custom fields) gives a plan of creates, updates and removals, with the deletion guard applied.
 * Pure: no I/O, so a dry run and a real run share exactly this plan.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { ContactFields, SyncItem } from '../types';
import type { Contact, ContactChannel, CustomField, SubscriptionState, WritableChannel } from '../messagemedia/types';
import { decodeBase, encodeBase, hashValue, mergeField, ownerHash, type MergeDecision } from './merge';
import type {
	ActualState,
	ContactAttribute,
	Direction,
	DirectoryOutcome,
	FieldChange,
	FieldConflict,
	FieldSpec,
	GuardReport,
	ListSpec,
	OutcomeAction,
	PlanEntry,
	PlannedUpdate,
	PlannedWriteBack,
	ResolvedContact,
	SyncInput,
	SyncOptions,
	SyncOutcome,
	SyncPlan,
} from './types';
import { attributeValue, formatPhoneForDirectory, graphAttribute, resolveDirection } from './writeback';

/** Max length of the link field: an Entra object id is a 36-character GUID. */
export const LINK_FIELD_MAX_LENGTH = 64;
/** RFC 5321 path limit. */
export const EMAIL_FIELD_MAX_LENGTH = 254;
export const TEXT_FIELD_MAX_LENGTH = 255;
/** The base field holds about 20 characters per written-back field; 1000 is MessageMedia's longest custom field. */
export const BASE_FIELD_MAX_LENGTH = 1000;

/** Case-insensitive key of a list name (MessageMedia doesn't say whether names are unique or case-sensitive). */
export const listKey = (name: string): string => name.trim().toLowerCase();

/** Merge tag for a label: `Entra Object ID` → `entra_object_id`. */
export function mergeTagFor(label: string): string {
	const tag = label
		.trim()
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '');
	return tag === '' ? 'field' : tag;
}

/** The field whose label or merge tag is `key` (case-insensitive); the oldest wins when several match. */
export function findCustomField(fields: CustomField[], key: string): CustomField | undefined {
	const wanted = key.trim().toLowerCase();
	const tag = mergeTagFor(key);
	const matches = fields.filter(
		(f) => f.label.trim().toLowerCase() === wanted || f.mergeTag.toLowerCase() === wanted || f.mergeTag.toLowerCase() === tag,
	);
	// An exact label or merge tag beats a derived merge tag.
	matches.sort(
		(a, b) =>
			Number(b.label.trim().toLowerCase() === wanted || b.mergeTag.toLowerCase() === wanted) -
				Number(a.label.trim().toLowerCase() === wanted || a.mergeTag.toLowerCase() === wanted) ||
			byAge(a, b),
	);
	return matches[0];
}

const byAge = (a: { createdDate?: string; id: string }, b: { createdDate?: string; id: string }): number =>
	(a.createdDate ?? '').localeCompare(b.createdDate ?? '') || a.id.localeCompare(b.id);

export function smsChannel(contact: Contact): ContactChannel | undefined {
	return contact.channels.find((c) => c.type === 'SMS');
}

/** The Entra object id a contact is linked to, lower-cased; undefined when unlinked. */
export function linkedSourceId(contact: Contact, linkFieldId: string | undefined): string | undefined {
	if (linkFieldId === undefined) return undefined;
	const value = contact.customFields.find((cf) => cf.id === linkFieldId)?.value?.trim();
	return value ? value.toLowerCase() : undefined;
}

function writableChannels(contact: Contact): WritableChannel[] {
	return contact.channels
		.filter((c): c is ContactChannel & { type: 'SMS' | 'WHATSAPP' } => c.type === 'SMS' || c.type === 'WHATSAPP')
		.map((c) => (c.subscriptionState ? { channelId: c.channelId, type: c.type, subscriptionState: c.subscriptionState } : { channelId: c.channelId, type: c.type }));
}

/** What the diff of one contact needs to know about the account. */
export interface DiffContext {
	fields: Record<string, FieldSpec>;
	lists: Record<string, ListSpec>;
	managed: Set<string>;
	/** Subscription of an SMS channel added to a contact that had none. */
	newChannelSubscription?: SubscriptionState;
	/** Report names of custom fields (merge tag → label). */
	fieldLabel: (mergeTag: string) => string;
}

export interface ContactDiff {
	attributes: PlannedUpdate['attributes'];
	channels?: WritableChannel[];
	fields: PlannedUpdate['fields'];
	listsAdd: string[];
	listsRemove: string[];
	changes: Record<string, FieldChange>;
}

export const diffIsEmpty = (diff: ContactDiff): boolean =>
	Object.keys(diff.changes).length === 0 && diff.listsAdd.length === 0 && diff.listsRemove.length === 0;

/**
 * Fields of `desired` that differ from `contact` ("" and absent are equal; lists are compared as sets
 * of managed lists; a new number replaces the SMS channel's id and keeps its subscription state).
 */
export function diffContact(contact: Contact, desired: ResolvedContact, ctx: DiffContext): ContactDiff {
	const diff: ContactDiff = { attributes: {}, fields: {}, listsAdd: [], listsRemove: [], changes: {} };
	for (const key of CONTACT_ATTRIBUTES) {
		const to = desired.attributes[key];
		if (to === undefined) continue;
		const from = contact[key] ?? '';
		// An empty date can't be written (format: date): a date of birth is never cleared.
		if (to === from || (key === 'dateOfBirth' && to === '')) continue;
		diff.attributes[key] = to;
		diff.changes[key] = { from, to };
	}
	const sms = smsChannel(contact);
	if (desired.phone !== undefined && desired.phone !== sms?.channelId) {
		const channels = writableChannels(contact);
		const index = channels.findIndex((c) => c.type === 'SMS');
		if (index >= 0) channels[index] = { ...channels[index], channelId: desired.phone };
		else
			channels.push(
				ctx.newChannelSubscription
					? { channelId: desired.phone, type: 'SMS', subscriptionState: ctx.newChannelSubscription }
					: { channelId: desired.phone, type: 'SMS' },
			);
		diff.channels = channels;
		diff.changes.phone = { from: sms?.channelId ?? '', to: desired.phone };
	}
	for (const [tag, to] of Object.entries(desired.fields)) {
		const spec = ctx.fields[tag];
		const from = spec.id === undefined ? '' : (contact.customFields.find((cf) => cf.id === spec.id)?.value ?? '');
		if (to === from) continue;
		diff.fields[tag] = to;
		diff.changes[ctx.fieldLabel(tag)] = { from, to };
	}
	if (desired.lists !== undefined) {
		const current = new Set(contact.lists.map((l) => listKey(l.name)).filter((key) => ctx.managed.has(key)));
		const wanted = new Set(desired.lists);
		diff.listsAdd = [...wanted].filter((key) => !current.has(key));
		diff.listsRemove = [...current].filter((key) => !wanted.has(key));
	}
	return diff;
}

/**
 * Plans a sync run. With partial state (incremental look-up) it may ask for a full scan (`needsFullScan`).
 * `now` (ms) dates the bases a bidirectional run writes and feeds the "newest change wins" rule.
 */
export function planSync(inputs: SyncInput[], state: ActualState, options: SyncOptions, now: number = Date.now()): SyncPlan {
	return new Planner(state, options, resolveDirection(inputs, options.direction), now).plan(inputs);
}

const CUSTOM_FIELD_KEY = 'customFields.';

/** The directory's value of a contact field key (`phone`, `firstName`, `customFields.<key>`) in an item. */
function itemValue(fields: ContactFields, key: string): string | undefined {
	if (key.startsWith(CUSTOM_FIELD_KEY)) return fields.customFields?.[key.slice(CUSTOM_FIELD_KEY.length)];
	const value = (fields as Record<string, unknown>)[key];
	return typeof value === 'string' ? value : undefined;
}

function setItemValue(fields: ContactFields, key: string, value: string): void {
	if (key.startsWith(CUSTOM_FIELD_KEY)) fields.customFields = { ...fields.customFields, [key.slice(CUSTOM_FIELD_KEY.length)]: value };
	else (fields as Record<string, unknown>)[key] = value;
}

const sameHashes = (a: Record<string, string>, b: Record<string, string>): boolean =>
	Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, hash]) => b[key] === hash);

/** One linked pair planned in both directions: what MessageMedia should hold and what the directory gets. */
interface PairPlan {
	contact: ContactFields;
	writeBack?: PlannedWriteBack;
	directory?: DirectoryOutcome;
	conflicts?: Record<string, FieldConflict>;
	/** New base field value; undefined leaves the base as it is. */
	base?: string;
}

class Planner {
	private readonly fieldSpecs: Record<string, FieldSpec> = {};
	private readonly listSpecs: Record<string, ListSpec> = {};
	private readonly managed = new Set<string>();
	private readonly link: FieldSpec;
	private readonly linked = new Map<string, Contact[]>();
	private readonly byPhone = new Map<string, Contact[]>();
	private readonly existingLists = new Map<string, { id: string; name: string }>();
	/** Numbers an item of this run already owns (so two users with one number don't both create). */
	private readonly claimedPhones = new Map<string, string>();
	private unresolved = 0;

	/** The base field (bidirectional runs only). */
	private readonly baseSpec?: FieldSpec;
	private readonly readOnly: Set<string>;

	constructor(
		private readonly state: ActualState,
		private readonly options: SyncOptions,
		private readonly direction: Direction,
		private readonly now: number,
	) {
		this.link = this.fieldSpec(options.linkFieldLabel, { type: 'TEXT', maxLength: LINK_FIELD_MAX_LENGTH }) as FieldSpec;
		if (direction === 'bidirectional') {
			this.baseSpec = this.fieldSpec(options.baseFieldLabel, { type: 'TEXT', maxLength: BASE_FIELD_MAX_LENGTH }) as FieldSpec;
		}
		this.readOnly = new Set(options.onPremisesReadOnly);
		for (const contact of [...state.contacts].sort(byAge)) {
			const sourceId = linkedSourceId(contact, this.link.id);
			if (sourceId !== undefined) push(this.linked, sourceId, contact);
			for (const channel of contact.channels) if (channel.type === 'SMS') push(this.byPhone, channel.channelId, contact);
		}
		// Lists a contact is in exist even when the list read missed them.
		const lists = [...[...state.lists].sort(byAge), ...state.contacts.flatMap((contact) => contact.lists)];
		for (const list of lists) {
			if (!this.existingLists.has(listKey(list.name))) this.existingLists.set(listKey(list.name), list);
		}
	}

	plan(inputs: SyncInput[]): SyncPlan {
		for (const input of inputs) {
			if (input.kind === 'item' && input.item.action === 'upsert') {
				for (const name of input.item.contact?.lists ?? []) this.managed.add(listKey(name));
			}
		}
		for (const name of this.options.managedLists) if (name.trim() !== '') this.managed.add(listKey(name));
		for (const key of this.managed) this.listSpec(key);

		const entries: PlanEntry[] = [];
		const removals: PlanEntry[] = [];
		const seen = new Map<string, number>();
		let inScope = 0;
		for (const input of inputs) {
			const sourceKey = (input.kind === 'item' ? input.item.sourceId : input.sourceId)?.toLowerCase();
			const firstIndex = sourceKey === undefined ? undefined : seen.get(sourceKey);
			if (sourceKey !== undefined && firstIndex === undefined) seen.set(sourceKey, input.index);
			if (input.kind === 'rejected') {
				inScope++;
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
			} else if (this.direction === 'toDirectory') {
				entries.push(report(base, 'skipped', 'A reverse sync (MessageMedia → directory) never removes contacts'));
			} else {
				const contacts = this.linked.get(sourceKey as string) ?? [];
				if (contacts.length === 0) {
					if (!this.state.complete) this.unresolved++;
					entries.push(report(base, 'skipped', 'No contact is linked to this user'));
				}
				for (const contact of contacts) removals.push(this.planRemoval(contact, base, item.reason ?? 'removed'));
			}
		}
		if (this.options.mode === 'full' && this.direction !== 'toDirectory') {
			for (const [sourceKey, contacts] of this.linked) {
				if (seen.has(sourceKey)) continue;
				for (const contact of contacts) {
					const sourceId = contact.customFields.find((cf) => cf.id === this.link.id)?.value.trim() ?? sourceKey;
					removals.push(this.planRemoval(contact, { sourceId, action: 'unchanged' }, 'absent from the directory read'));
				}
			}
		}

		const guard = this.guard(removals, inScope);
		const blocked = guard.status === 'tripped';
		for (const entry of removals) {
			if (!blocked || entry.kind === 'report') {
				entries.push(entry);
				continue;
			}
			entries.push(report(withoutChanges(entry.outcome), 'blocked', `Deletion guard: would be ${entry.outcome.action} (${entry.outcome.reason})`));
		}

		const plan: SyncPlan = {
			mode: this.options.mode,
			direction: this.direction,
			...(this.baseSpec ? { baseField: this.baseSpec.mergeTag } : {}),
			entries,
			linkField: this.link.mergeTag,
			fields: {},
			lists: {},
			managedLists: [...this.managed],
			guard,
		};
		// Only what a write uses is created (a dry run lists it as "would create").
		for (const entry of entries) {
			const tags =
				entry.kind === 'create' ? Object.keys(entry.desired.fields) : entry.kind === 'update' ? Object.keys(entry.fields) : [];
			for (const tag of tags) plan.fields[tag] = this.fieldSpecs[tag];
			const keys =
				entry.kind === 'create'
					? (entry.desired.lists ?? [])
					: entry.kind === 'update'
						? [...entry.listsAdd, ...entry.listsRemove]
						: [];
			for (const key of keys) plan.lists[key] = this.listSpecs[key];
		}
		if (!this.state.complete) {
			if (this.unresolved > 0) {
				plan.needsFullScan = `${this.unresolved} item(s) have no linked contact under their number (new users, changed numbers or removals): all contacts were read to find their links`;
			} else if (guard.removals > this.options.minRemovalsBeforeGuard) {
				plan.needsFullScan = `${guard.removals} removals: all contacts were read to count linked contacts for the deletion guard`;
			}
		}
		return plan;
	}

	private diffContext(): DiffContext {
		return {
			fields: this.fieldSpecs,
			lists: this.listSpecs,
			managed: this.managed,
			newChannelSubscription: this.newSubscription(),
			fieldLabel: (tag) => this.fieldSpecs[tag]?.label ?? tag,
		};
	}

	private newSubscription(): SubscriptionState | undefined {
		return this.options.newContactSubscription === 'SUBSCRIBED' ? 'SUBSCRIBED' : undefined;
	}

	private planUpsert(base: SyncOutcome, item: SyncItem): PlanEntry[] {
		const contact = item.contact ?? {};
		const resolved = this.resolve(contact);
		if (typeof resolved === 'string') return [report(base, 'failed', undefined, resolved)];
		const tooLong = Object.entries(resolved.fields).find(([tag, value]) => value.length > this.fieldSpecs[tag].maxLength);
		if (tooLong !== undefined) {
			const spec = this.fieldSpecs[tooLong[0]];
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
			const keep = linked.find((c) => phone !== undefined && smsChannel(c)?.channelId === phone) ?? linked[0];
			const duplicates = linked
				.filter((c) => c !== keep)
				.map((c) =>
					report(
						{ ...withPhone, contactId: c.id, phone: smsChannel(c)?.channelId },
						'duplicate',
						`Also linked to this user; contact ${keep.id} is kept and synced, this one is left as it is (remove it by hand)`,
					),
				);
			return [this.planUpdate({ ...withPhone, contactId: keep.id }, keep, resolved, 'updated', item), ...duplicates];
		}
		if (!this.state.complete) this.unresolved++;
		if (this.direction === 'toDirectory') {
			return [report(base, 'skipped', 'No contact is linked to this user; a reverse sync (MessageMedia → directory) creates none')];
		}
		if (phone === undefined) return [report(base, 'rejected', 'No phone number: a new contact needs an SMS number')];
		const claimedBy = this.claimedPhones.get(phone);
		if (claimedBy !== undefined) {
			return [report(withPhone, 'conflict', `Another user of this run (${claimedBy}) has the same number`)];
		}
		this.claimedPhones.set(phone, base.sourceId);
		const holder = this.phoneHolder(phone, undefined);
		if (holder !== undefined) {
			const holderSource = linkedSourceId(holder, this.link.id);
			if (holderSource !== undefined) {
				return [report({ ...withPhone, contactId: holder.id }, 'conflict', `The number belongs to a contact linked to another user (${holderSource})`)];
			}
			if (!this.options.adoptExisting) {
				return [
					report(
						{ ...withPhone, contactId: holder.id },
						'conflict',
						'An unlinked contact already has this number; turn on "Adopt Existing Contacts" to link it',
					),
				];
			}
			return [this.planUpdate({ ...withPhone, contactId: holder.id }, holder, resolved, 'adopted', item)];
		}
		const desired = { ...resolved, phone, fields: { ...resolved.fields, [this.link.mergeTag]: base.sourceId } };
		const values: Record<string, string> = {};
		for (const [key, value] of Object.entries(desired.attributes)) if (value !== '') values[key] = value;
		values.phone = phone;
		for (const [tag, value] of Object.entries(desired.fields)) {
			if (value === '') delete desired.fields[tag];
			else values[this.fieldSpecs[tag].label] = value;
		}
		if (this.baseSpec !== undefined) {
			// A new contact holds the directory's values: they are the base.
			const hashes: Record<string, string> = {};
			for (const key of Object.keys(item.provenance ?? {})) {
				const value = itemValue(contact, key);
				if (value !== undefined) hashes[key] = hashValue(value);
			}
			if (Object.keys(hashes).length > 0) {
				desired.fields[this.baseSpec.mergeTag] = encodeBase({ time: this.now, owner: ownerHash(base.sourceId), hashes });
			}
		}
		for (const key of Object.keys(desired.attributes) as ContactAttribute[]) if (desired.attributes[key] === '') delete desired.attributes[key];
		const outcome: SyncOutcome = { ...withPhone, action: 'created', values };
		if (desired.lists?.length) outcome.lists = { added: desired.lists.map((key) => this.listSpecs[key].name), removed: [] };
		return [{ kind: 'create', outcome, desired, subscriptionState: this.newSubscription() }];
	}

	/** Another contact (not `self`) whose SMS channel has the number. */
	private phoneHolder(phone: string, self: Contact | undefined): Contact | undefined {
		return (this.byPhone.get(phone) ?? []).find((c) => c !== self);
	}

	/**
	 * Updates a linked (or adopted) contact. Reverse and bidirectional runs first plan the pair's
	 * reversible fields: what MessageMedia keeps, what the directory gets, the new base.
	 */
	private planUpdate(base: SyncOutcome, contact: Contact, resolved: ResolvedContact, changed: 'updated' | 'adopted', item: SyncItem): PlanEntry {
		let desired = resolved;
		if (changed === 'adopted') desired = { ...desired, fields: { ...desired.fields, [this.link.mergeTag]: base.sourceId } };
		if (this.direction === 'toMessaging') return this.planContactUpdate(base, contact, desired, changed);
		const pair = this.planPair(item, contact, changed === 'adopted');
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
		desired = { ...merged, fields: { ...merged.fields, ...(changed === 'adopted' ? { [this.link.mergeTag]: base.sourceId } : {}) } };
		if (pair.base !== undefined && this.baseSpec !== undefined) desired.fields[this.baseSpec.mergeTag] = pair.base;
		const entry = this.planContactUpdate(extras, contact, desired, changed);
		if (pair.writeBack) {
			if (entry.kind === 'update') entry.writeBack = pair.writeBack;
			// The contact's number is in conflict: nothing of this pair is written, the directory neither.
			else delete entry.outcome.directory;
		}
		return entry;
	}

	/**
	 * Reverse and bidirectional: decides every field the item can write back (its provenance), per
	 * the three-way merge (bidirectional) or MessageMedia's value (reverse). A contact being adopted
	 * was never synced: whatever the authority, the directory wins its differences (a hand-made
	 * contact's values are not written into the directory).
	 */
	private planPair(item: SyncItem, contact: Contact, adopted: boolean): PairPlan {
		const desired: ContactFields = { ...item.contact, customFields: item.contact?.customFields && { ...item.contact.customFields } };
		if (desired.customFields === undefined) delete desired.customFields;
		const reverse = this.direction === 'toDirectory';
		const stored = this.baseSpec?.id === undefined ? undefined : contact.customFields.find((cf) => cf.id === this.baseSpec?.id)?.value;
		const base = reverse || adopted ? undefined : decodeBase(stored, item.sourceId);
		const onPremises = item.source?.onPremisesSyncEnabled === true;
		const lastModified = Date.parse(contact.lastModifiedDate);
		const body: Record<string, unknown> = {};
		const changes: Record<string, FieldChange> = {};
		const skipped: Record<string, FieldChange> = {};
		const conflicts: Record<string, FieldConflict> = {};
		const success: Record<string, string> = {};
		const failure: Record<string, string> = {};
		for (const [key, from] of Object.entries(item.provenance ?? {})) {
			const directory = itemValue(desired, key);
			const messaging = this.messagingValue(contact, key);
			if (directory === undefined || messaging === undefined) continue;
			let decision: MergeDecision;
			if (reverse) {
				// MessageMedia is the source; a contact without a number leaves the directory's alone.
				const same = directory === messaging || (key === 'phone' && messaging === '');
				decision = same ? { action: 'noop', value: directory } : { action: 'toDirectory', value: messaging };
			} else {
				decision = mergeField(
					{ base: base?.hashes[key], directory, messaging },
					{
						authority: adopted ? 'directory' : this.options.authority,
						baseTime: base?.time,
						messagingChangedAt: Number.isNaN(lastModified) ? undefined : lastModified,
						now: this.now,
						clearable: key !== 'phone',
					},
				);
			}
			if (decision.action === 'conflict') conflicts[key] = { directory, messaging, winner: decision.winner, reason: decision.reason };
			if (decision.action === 'noop' || decision.action === 'toMessaging' || (decision.action === 'conflict' && decision.winner === 'directory')) {
				// MessageMedia takes (or holds) the directory's value.
				success[key] = failure[key] = hashValue(directory);
				continue;
			}
			// MessageMedia keeps its value; the directory takes it.
			setItemValue(desired, key, messaging);
			const attribute = graphAttribute(from.attribute);
			const value = key === 'phone' && messaging !== '' ? formatPhoneForDirectory(messaging, from.value, this.options.phoneWriteFormat) : messaging;
			const change: FieldChange = { from: from.value ?? '', to: value };
			const old = base?.hashes[key];
			if (old !== undefined) failure[key] = old;
			if (onPremises && this.readOnly.has(attribute)) {
				skipped[attribute] = change;
				if (old !== undefined) success[key] = old;
				continue;
			}
			const [name, graphValue] = attributeValue(from.attribute, value);
			body[name] = graphValue;
			changes[attribute] = change;
			success[key] = hashValue(messaging);
		}

		const pair: PairPlan = { contact: desired };
		if (Object.keys(conflicts).length > 0) pair.conflicts = conflicts;
		const written = Object.keys(changes).length > 0;
		if (written || Object.keys(skipped).length > 0) {
			const directory: DirectoryOutcome = { action: written ? 'updated' : 'skipped', userId: item.sourceId };
			if (written) directory.changes = changes;
			if (Object.keys(skipped).length > 0) {
				directory.skipped = skipped;
				directory.reason = 'on-premises mastered';
			}
			pair.directory = directory;
		}
		if (written) pair.writeBack = { userId: item.sourceId, body };
		if (!reverse) {
			const owner = ownerHash(item.sourceId);
			const unchanged = (hashes: Record<string, string>) =>
				base === undefined ? Object.keys(hashes).length === 0 : sameHashes(base.hashes, hashes);
			if (!unchanged(success)) pair.base = encodeBase({ time: this.now, owner, hashes: success });
			if (pair.writeBack) pair.writeBack.baseOnFailure = unchanged(failure) ? null : encodeBase({ time: this.now, owner, hashes: failure });
		}
		return pair;
	}

	/** MessageMedia's current value of a contact field key; undefined for a key the sync can't read back. */
	private messagingValue(contact: Contact, key: string): string | undefined {
		if (key === 'phone') return smsChannel(contact)?.channelId ?? '';
		const fieldKey = key === 'email' ? this.options.emailFieldLabel : key.startsWith(CUSTOM_FIELD_KEY) ? key.slice(CUSTOM_FIELD_KEY.length) : undefined;
		if (fieldKey !== undefined) {
			const field = findCustomField(this.state.customFields, fieldKey);
			return field === undefined ? '' : (contact.customFields.find((cf) => cf.id === field.id)?.value ?? '');
		}
		if ((CONTACT_ATTRIBUTES as readonly string[]).includes(key)) return contact[key as ContactAttribute] ?? '';
		return undefined;
	}

	private planContactUpdate(base: SyncOutcome, contact: Contact, desired: ResolvedContact, changed: 'updated' | 'adopted'): PlanEntry {
		const sms = smsChannel(contact);
		if (desired.phone !== undefined && desired.phone !== sms?.channelId) {
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
		const diff = diffContact(contact, desired, this.diffContext());
		// The base field is bookkeeping, not a change to report.
		if (this.baseSpec !== undefined) delete diff.changes[this.baseSpec.label];
		if (diffIsEmpty(diff)) {
			if (Object.keys(diff.fields).length === 0) return report(base, 'unchanged');
			return this.updateEntry(base, contact.id, diff, 'unchanged');
		}
		return this.updateEntry(base, contact.id, diff, changed);
	}

	private updateEntry(base: SyncOutcome, contactId: string, diff: ContactDiff, action: OutcomeAction, reason?: string): PlannedUpdate {
		const outcome: SyncOutcome = { ...base, action, contactId };
		if (reason !== undefined) outcome.reason = reason;
		if (Object.keys(diff.changes).length > 0) outcome.changes = diff.changes;
		if (diff.listsAdd.length > 0 || diff.listsRemove.length > 0) {
			outcome.lists = {
				added: diff.listsAdd.map((key) => this.listSpecs[key].name),
				removed: diff.listsRemove.map((key) => this.listSpecs[key].name),
			};
		}
		return {
			kind: 'update',
			outcome,
			contactId,
			attributes: diff.attributes,
			channels: diff.channels,
			fields: diff.fields,
			listsAdd: diff.listsAdd,
			listsRemove: diff.listsRemove,
		};
	}

	private planRemoval(contact: Contact, base: SyncOutcome, reason: string): PlanEntry {
		const outcome: SyncOutcome = { ...base, contactId: contact.id, reason };
		const phone = smsChannel(contact)?.channelId;
		if (phone !== undefined) outcome.phone = phone;
		switch (this.options.removalPolicy) {
			case 'delete':
				return { kind: 'delete', outcome: { ...outcome, action: 'removed' }, contactId: contact.id };
			case 'ignore':
				return report(outcome, 'skipped', `${reason}; removal policy is "ignore"`);
			case 'unsubscribe': {
				const channels = writableChannels(contact);
				const subscribed = channels.filter((c) => c.type === 'SMS' && c.subscriptionState !== 'UNSUBSCRIBED');
				if (subscribed.length === 0) return report(outcome, 'unchanged', `${reason}; already unsubscribed`);
				const from = subscribed[0].subscriptionState ?? '';
				for (const channel of subscribed) channel.subscriptionState = 'UNSUBSCRIBED';
				const diff: ContactDiff = {
					attributes: {},
					channels,
					fields: {},
					listsAdd: [],
					listsRemove: [],
					changes: { subscriptionState: { from, to: 'UNSUBSCRIBED' } },
				};
				return this.updateEntry(outcome, contact.id, diff, 'unsubscribed', reason);
			}
			case 'removeFromLists': {
				const listsRemove = [...new Set(contact.lists.map((l) => listKey(l.name)))].filter((key) => this.managed.has(key));
				if (listsRemove.length === 0) return report(outcome, 'unchanged', `${reason}; in no managed list`);
				for (const key of listsRemove) this.listSpec(key);
				const diff: ContactDiff = { attributes: {}, fields: {}, listsAdd: [], listsRemove, changes: {} };
				return this.updateEntry(outcome, contact.id, diff, 'removedFromLists', reason);
			}
		}
	}

	private guard(removals: PlanEntry[], inScope: number): GuardReport {
		const count = removals.filter((entry) => entry.kind !== 'report').length;
		const linked = [...this.linked.values()].reduce((sum, contacts) => sum + contacts.length, 0);
		const { maxRemovalPercent, minRemovalsBeforeGuard, mode } = this.options;
		const threshold = Math.max(minRemovalsBeforeGuard, Math.floor((maxRemovalPercent / 100) * linked));
		const emptyScope = mode === 'full' && inScope === 0 && count > 0;
		const guard: GuardReport = { status: 'ok', removals: count, linked, threshold };
		if (!emptyScope && count <= threshold) return guard;
		const why = emptyScope
			? `The input holds no user in scope, so this full run would remove all ${count} linked contacts (an empty directory read never wipes the contacts)`
			: `This run would remove ${count} of ${linked} linked contacts, above the threshold of ${threshold} (${maxRemovalPercent}% of linked contacts, at least ${minRemovalsBeforeGuard})`;
		if (this.options.allowMassRemoval) {
			return { ...guard, status: 'overridden', message: `${why}; removals approved by "Allow Removals Above Threshold"` };
		}
		return {
			...guard,
			status: 'tripped',
			message:
				`Deletion guard: ${why}. No contact was removed. If these removals are expected, run once with ` +
				'"Allow Removals Above Threshold" turned on (Options), or raise "Max Removal Percent"; ' +
				'"Continue Without Removals" applies creates and updates and holds removals back.',
		};
	}

	/** Resolves custom-field keys and list names; a string is the reason the item can't be written. */
	private resolve(contact: ContactFields): ResolvedContact | string {
		const resolved: ResolvedContact = { attributes: {}, fields: {} };
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
			if (spec === this.link) return `Custom field "${key}" is the sync's link field and can't be mapped`;
			if (spec === this.baseSpec) return `Custom field "${key}" is the sync's base field and can't be mapped`;
			resolved.fields[spec.mergeTag] = value;
		}
		if (contact.lists !== undefined) {
			resolved.lists = [];
			for (const name of contact.lists) {
				const spec = this.listSpec(listKey(name), name);
				if (spec === undefined) {
					return `List "${name}" doesn't exist; create it in MessageMedia or turn on "Create Missing Lists"`;
				}
				if (!resolved.lists.includes(listKey(name))) resolved.lists.push(listKey(name));
			}
		}
		return resolved;
	}

	private fieldSpec(key: string, create: Pick<FieldSpec, 'type' | 'maxLength'> | undefined): FieldSpec | undefined {
		const existing = findCustomField(this.state.customFields, key);
		const spec: FieldSpec | undefined = existing
			? { id: existing.id, label: existing.label, mergeTag: existing.mergeTag, type: existing.type, maxLength: existing.maxLength }
			: create && { label: key.trim(), mergeTag: mergeTagFor(key), ...create };
		if (spec === undefined) return undefined;
		return (this.fieldSpecs[spec.mergeTag] ??= spec);
	}

	private listSpec(key: string, name?: string): ListSpec | undefined {
		if (this.listSpecs[key]) return this.listSpecs[key];
		const existing = this.existingLists.get(key);
		if (existing) return (this.listSpecs[key] = { id: existing.id, name: existing.name });
		if (!this.options.createMissingLists || name === undefined) return undefined;
		return (this.listSpecs[key] = { name: name.trim() });
	}
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

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const values = map.get(key);
	if (values) values.push(value);
	else map.set(key, [value]);
}

function report(base: SyncOutcome, action: OutcomeAction, reason?: string, error?: string): PlanEntry {
	const outcome: SyncOutcome = { ...base, action };
	if (reason !== undefined) outcome.reason = reason;
	if (error !== undefined) outcome.error = { message: error };
	return { kind: 'report', outcome };
}
