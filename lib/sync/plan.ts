/**
 * The sync planner: desired state (Contact Mapper items) against actual state (MessageMedia contacts,
 * lists, custom fields) gives a plan of creates, updates and removals, with the deletion guard applied.
 * Pure: no I/O, so a dry run and a real run share exactly this plan.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { ContactFields } from '../types';
import type { Contact, ContactChannel, CustomField, SubscriptionState, WritableChannel } from '../messagemedia/types';
import type {
	ActualState,
	ContactAttribute,
	FieldChange,
	FieldSpec,
	GuardReport,
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

/** Max length of the link field: an Entra object id is a 36-character GUID. */
export const LINK_FIELD_MAX_LENGTH = 64;
/** RFC 5321 path limit. */
export const EMAIL_FIELD_MAX_LENGTH = 254;
export const TEXT_FIELD_MAX_LENGTH = 255;

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

/** Plans a sync run. With partial state (incremental look-up) it may ask for a full scan (`needsFullScan`). */
export function planSync(inputs: SyncInput[], state: ActualState, options: SyncOptions): SyncPlan {
	return new Planner(state, options).plan(inputs);
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

	constructor(
		private readonly state: ActualState,
		private readonly options: SyncOptions,
	) {
		this.link = this.fieldSpec(options.linkFieldLabel, { type: 'TEXT', maxLength: LINK_FIELD_MAX_LENGTH }) as FieldSpec;
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
				entries.push(...this.planUpsert(base, item.contact ?? {}));
			} else {
				const contacts = this.linked.get(sourceKey as string) ?? [];
				if (contacts.length === 0) {
					if (!this.state.complete) this.unresolved++;
					entries.push(report(base, 'skipped', 'No contact is linked to this user'));
				}
				for (const contact of contacts) removals.push(this.planRemoval(contact, base, item.reason ?? 'removed'));
			}
		}
		if (this.options.mode === 'full') {
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

	private planUpsert(base: SyncOutcome, contact: ContactFields): PlanEntry[] {
		const resolved = this.resolve(contact);
		if (typeof resolved === 'string') return [report(base, 'failed', undefined, resolved)];
		const tooLong = Object.entries(resolved.fields).find(([tag, value]) => value.length > this.fieldSpecs[tag].maxLength);
		if (tooLong !== undefined) {
			const spec = this.fieldSpecs[tooLong[0]];
			return [report(base, 'rejected', `"${spec.label}" holds at most ${spec.maxLength} characters; the value has ${tooLong[1].length}`)];
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
			return [this.planUpdate({ ...withPhone, contactId: keep.id }, keep, resolved, 'updated'), ...duplicates];
		}
		if (!this.state.complete) this.unresolved++;
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
			return [
				this.planUpdate(
					{ ...withPhone, contactId: holder.id },
					holder,
					{ ...resolved, fields: { ...resolved.fields, [this.link.mergeTag]: base.sourceId } },
					'adopted',
				),
			];
		}
		const desired = { ...resolved, phone, fields: { ...resolved.fields, [this.link.mergeTag]: base.sourceId } };
		const changes: Record<string, FieldChange> = {};
		for (const [key, value] of Object.entries(desired.attributes)) if (value !== '') changes[key] = { from: '', to: value };
		changes.phone = { from: '', to: phone };
		for (const [tag, value] of Object.entries(desired.fields)) {
			if (value === '') delete desired.fields[tag];
			else changes[this.fieldSpecs[tag].label] = { from: '', to: value };
		}
		for (const key of Object.keys(desired.attributes) as ContactAttribute[]) if (desired.attributes[key] === '') delete desired.attributes[key];
		const outcome: SyncOutcome = { ...withPhone, action: 'created', changes };
		if (desired.lists?.length) outcome.lists = { added: desired.lists.map((key) => this.listSpecs[key].name), removed: [] };
		return [{ kind: 'create', outcome, desired, subscriptionState: this.newSubscription() }];
	}

	/** Another contact (not `self`) whose SMS channel has the number. */
	private phoneHolder(phone: string, self: Contact | undefined): Contact | undefined {
		return (this.byPhone.get(phone) ?? []).find((c) => c !== self);
	}

	private planUpdate(base: SyncOutcome, contact: Contact, desired: ResolvedContact, changed: 'updated' | 'adopted'): PlanEntry {
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
		if (diffIsEmpty(diff)) return report(base, 'unchanged');
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

/** The outcome without its field and list changes (for what was not, or will not be, written). */
export function withoutChanges(outcome: SyncOutcome): SyncOutcome {
	const copy = { ...outcome };
	delete copy.changes;
	delete copy.lists;
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
