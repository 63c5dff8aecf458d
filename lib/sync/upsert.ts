/**
 * An upsert item's plan: the contact it updates (linked, handed over or adopted; other contacts linked
 * to the user are unlinked or reported), or the contact it creates, or why it can do neither.
 */

import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import type { Contact, SubscriptionState } from '../messagemedia/types';
import type { ContactFields, SyncItem } from '../types';
import { fieldValue, hasNumber, linkedSourceId, smsChannels } from './contact';
import type { PlanContext } from './context';
import { diffContact, diffIsEmpty, recordOf } from './diff';
import { report, updateEntry } from './entries';
import { encodeBase, hashValue, ownerHash } from './merge';
import { followBase, itemValue, planPair } from './pair';
import { encodeRecord, listHash } from './record';
import { planRelease } from './removal';
import type {
	ContactAttribute,
	FieldSpec,
	ListSpec,
	PlanEntry,
	ResolvedContact,
	SyncOutcome,
} from './types';

/** Plans an upsert item: the entry for its contact, and one for each other contact linked to the user. */
export function planUpsert(base: SyncOutcome, item: SyncItem, ctx: PlanContext): PlanEntry[] {
	const contact = item.contact ?? {};
	const resolved = ctx.account.resolve(contact);
	if (typeof resolved === 'string') return [report(base, 'failed', undefined, resolved)];
	const tooLong = Object.entries(resolved.fields).find(
		([tag, value]) => value.length > (ctx.account.fieldSpecs.get(tag) as FieldSpec).maxLength,
	);
	if (tooLong !== undefined) {
		const spec = ctx.account.fieldSpecs.get(tooLong[0]) as FieldSpec;
		return [
			report(
				base,
				'rejected',
				`"${spec.label}" holds at most ${spec.maxLength} characters; the value has ${tooLong[1].length}`,
			),
		];
	}
	// The link field can't hold a longer id (a real Entra object id is a 36-character GUID).
	if (base.sourceId.length > ctx.link.maxLength) {
		return [
			report(
				base,
				'rejected',
				`"${ctx.link.label}" holds at most ${ctx.link.maxLength} characters; the sourceId has ${base.sourceId.length}`,
			),
		];
	}
	const phone = resolved.phone;
	const withPhone = phone === undefined ? base : { ...base, phone };
	const sourceKey = base.sourceId.toLowerCase();
	const linked = ctx.linked.get(sourceKey) ?? [];
	if (linked.length > 0) {
		const keep = linked.find((c) => phone !== undefined && hasNumber(c, phone)) ?? linked[0];
		const duplicates: PlanEntry[] = [];
		for (const c of linked.filter((other) => other !== keep)) {
			const other = { ...withPhone, contactId: c.id, phone: smsChannels(c)[0]?.channelId };
			if (phone !== undefined && hasNumber(keep, phone)) {
				// An older contact of the user's (their number is on the other one now): unlinked, left to people.
				duplicates.push(
					planRelease(
						c,
						other,
						ctx.removal,
						`Superseded: the user's number ${phone} is on contact ${keep.id}`,
					),
				);
				continue;
			}
			const why = `Also linked to this user; contact ${keep.id} is kept and synced, this one is left as it is (remove it by hand)`;
			duplicates.push(report(other, 'duplicate', why));
		}
		const relinked = ctx.relinked.has(keep);
		// A contact taken over on a partial read: the user's older contacts may be among those not read.
		if (relinked && !ctx.state.complete) ctx.unresolved++;
		// The first user of the run with a number claims it (a later one with the same number is a conflict).
		if (phone !== undefined && !ctx.claimedPhones.has(phone))
			ctx.claimedPhones.set(phone, base.sourceId);
		return [
			planUpdate(
				{ ...withPhone, contactId: keep.id },
				keep,
				resolved,
				relinked ? 'adopted' : 'updated',
				item,
				relinked,
				ctx,
			),
			...duplicates,
		];
	}
	if (!ctx.state.complete) ctx.unresolved++;
	if (ctx.direction === 'toDirectory') {
		return [
			report(
				base,
				'skipped',
				'No contact is linked to this user; a reverse sync (MessageMedia → directory) creates none',
			),
		];
	}
	if (phone === undefined)
		return [report(base, 'rejected', 'No phone number: a new contact needs an SMS number')];
	const claimedBy = ctx.claimedPhones.get(phone);
	if (claimedBy !== undefined)
		return [
			report(withPhone, 'conflict', `Another user of this run (${claimedBy}) has the same number`),
		];
	ctx.claimedPhones.set(phone, base.sourceId);
	const holder = phoneHolder(phone, undefined, ctx);
	if (holder !== undefined) {
		const holderSource = linkedSourceId(holder, ctx.link.id);
		if (holderSource !== undefined) {
			return [
				report(
					{ ...withPhone, contactId: holder.id },
					'conflict',
					`The number belongs to a contact linked to another user (${holderSource})`,
				),
			];
		}
		if (!ctx.options.adoptExisting) {
			return [
				report(
					{ ...withPhone, contactId: holder.id },
					'conflict',
					'The number belongs to an unlinked contact; turn on "Adopt Existing Contacts" to link it',
				),
			];
		}
		return [
			planUpdate(
				{ ...withPhone, contactId: holder.id },
				holder,
				resolved,
				'adopted',
				item,
				true,
				ctx,
			),
		];
	}
	return [planCreate(withPhone, item, resolved, phone, ctx)];
}

function planCreate(
	base: SyncOutcome,
	item: SyncItem,
	resolved: ResolvedContact,
	phone: string,
	ctx: PlanContext,
): PlanEntry {
	const desired = {
		...resolved,
		phone,
		fields: { ...resolved.fields, [ctx.link.mergeTag]: base.sourceId },
	};
	desired.fields[ctx.record.mergeTag] = encodeRecord({
		phone,
		lists: (resolved.lists ?? []).map(listHash),
		scope: ctx.scope,
	});
	const values: Record<string, string> = {};
	for (const [key, value] of Object.entries(desired.attributes))
		if (value !== '') values[key] = value;
	values.phone = phone;
	for (const [tag, value] of Object.entries(desired.fields)) {
		if (value === '') delete desired.fields[tag];
		else if (tag !== ctx.record.mergeTag) values[ctx.account.fieldLabel(tag)] = value;
	}
	// A new contact holds the directory's values: they are the base (one-way runs too, once two-way
	// runs use the account: a later two-way run then tells which side changed).
	const fresh = directoryBase(item, ctx);
	if (fresh !== undefined && ctx.baseSpec !== undefined)
		desired.fields[ctx.baseSpec.mergeTag] = fresh;
	for (const key of Object.keys(desired.attributes) as ContactAttribute[])
		if (desired.attributes[key] === '') delete desired.attributes[key];
	const outcome: SyncOutcome = { ...base, action: 'created', values };
	if (desired.lists?.length)
		outcome.lists = {
			added: desired.lists.map((key) => (ctx.account.listSpecs.get(key) as ListSpec).name),
			removed: [],
		};
	const subscriptionState: SubscriptionState | undefined = ctx.optedOut.has(phone)
		? 'UNSUBSCRIBED'
		: ctx.diff.newSubscription;
	return {
		kind: 'create',
		outcome,
		desired,
		...(subscriptionState ? { subscriptionState } : {}),
	};
}

/** The base of a contact that holds the directory's values of the item; undefined without a base field or reversible fields. */
function directoryBase(item: SyncItem, ctx: PlanContext): string | undefined {
	if (ctx.baseSpec === undefined) return undefined;
	const hashes: Record<string, string> = {};
	for (const key of Object.keys(item.provenance ?? baseKeys(item.contact ?? {}))) {
		const value = itemValue(item.contact ?? {}, key);
		if (value !== undefined) hashes[key] = hashValue(value);
	}
	return Object.keys(hashes).length > 0
		? encodeBase({ time: ctx.now, owner: ownerHash(item.sourceId), hashes })
		: undefined;
}

/** Another contact (not `self`) with an SMS channel for the number. */
function phoneHolder(
	phone: string,
	self: Contact | undefined,
	ctx: PlanContext,
): Contact | undefined {
	return (ctx.byPhone.get(phone) ?? []).find((c) => c !== self);
}

/**
 * Updates a linked (adopted, or handed over) contact. Reverse and bidirectional runs first plan the
 * pair's reversible fields: what MessageMedia keeps, what the directory gets, the new base.
 */
function planUpdate(
	base: SyncOutcome,
	contact: Contact,
	resolved: ResolvedContact,
	changed: 'updated' | 'adopted',
	item: SyncItem,
	relink: boolean,
	ctx: PlanContext,
): PlanEntry {
	let desired = resolved;
	if (relink)
		desired = { ...desired, fields: { ...desired.fields, [ctx.link.mergeTag]: base.sourceId } };
	const record = recordOf(contact, ctx.diff);
	if (ctx.direction === 'toMessaging') {
		const followed = relink ? undefined : followBase(item, contact, record, ctx.pair);
		if (followed !== undefined && ctx.baseSpec !== undefined) {
			const kept = ctx.account.resolve(followed.contact);
			if (typeof kept === 'string') return report(base, 'failed', undefined, kept);
			desired = { ...kept, fields: { ...kept.fields } };
			if (followed.base !== undefined) desired.fields[ctx.baseSpec.mergeTag] = followed.base;
		} else if (
			ctx.baseSpec?.id !== undefined &&
			(relink || fieldValue(contact, ctx.baseSpec.id) !== '')
		) {
			// Adopted, handed over, or carrying another user's base: the contact now holds the directory's
			// values, so they are its base; a stale base would make a later two-way run take a change made
			// only in MessageMedia for a change on both sides.
			const fresh = directoryBase(item, ctx);
			if (fresh !== undefined)
				desired = { ...desired, fields: { ...desired.fields, [ctx.baseSpec.mergeTag]: fresh } };
		}
		return planContactUpdate(base, contact, desired, changed, ctx);
	}
	const pair = planPair(item, contact, record, relink, ctx.pair);
	const extras: SyncOutcome = { ...base };
	if (pair.directory) extras.directory = pair.directory;
	if (pair.conflicts) extras.conflicts = pair.conflicts;
	if (ctx.direction === 'toDirectory') {
		const entry = report(extras, 'unchanged');
		if (pair.writeBack && entry.kind === 'report') entry.writeBack = pair.writeBack;
		return entry;
	}
	const merged = ctx.account.resolve(pair.contact);
	if (typeof merged === 'string') return report(base, 'failed', undefined, merged);
	desired = {
		...merged,
		fields: { ...merged.fields, ...(relink ? { [ctx.link.mergeTag]: base.sourceId } : {}) },
	};
	if (pair.base !== undefined && ctx.baseSpec !== undefined)
		desired.fields[ctx.baseSpec.mergeTag] = pair.base;
	const entry = planContactUpdate(extras, contact, desired, changed, ctx);
	if (pair.writeBack) {
		if (entry.kind === 'update') entry.writeBack = pair.writeBack;
		// The contact's number is in conflict: nothing of this pair is written, the directory neither.
		else delete entry.outcome.directory;
	}
	return entry;
}

function planContactUpdate(
	base: SyncOutcome,
	contact: Contact,
	desired: ResolvedContact,
	changed: 'updated' | 'adopted',
	ctx: PlanContext,
): PlanEntry {
	if (desired.phone !== undefined && !hasNumber(contact, desired.phone)) {
		const holder = phoneHolder(desired.phone, contact, ctx);
		const claimedBy = ctx.claimedPhones.get(desired.phone);
		if (holder !== undefined || (claimedBy !== undefined && claimedBy !== base.sourceId)) {
			return report(
				base,
				'conflict',
				`The new number ${desired.phone} already belongs to ${holder ? `contact ${holder.id}` : `another user of this run (${claimedBy})`}; the contact was not changed`,
			);
		}
		ctx.claimedPhones.set(desired.phone, base.sourceId);
	}
	const diff = diffContact(contact, desired, ctx.diff, ctx.account.fieldLabel);
	if (diff.stuck !== undefined) return report(base, 'conflict', diff.stuck);
	// The base field is bookkeeping, not a change to report.
	if (ctx.baseSpec !== undefined) delete diff.changes[ctx.baseSpec.label];
	if (diffIsEmpty(diff)) return report(base, 'unchanged');
	const reportable =
		Object.keys(diff.changes).length > 0 || diff.listsAdd.length > 0 || diff.listsRemove.length > 0;
	return updateEntry(ctx.account, base, contact, diff, reportable ? changed : 'unchanged');
}

/** The contact field keys of an item without provenance (one-way): what a base can hold for it. */
function baseKeys(contact: ContactFields): Record<string, true> {
	const keys: Record<string, true> = {};
	for (const key of [...CONTACT_ATTRIBUTES, 'phone', 'email'] as const)
		if (contact[key] !== undefined) keys[key] = true;
	for (const key of Object.keys(contact.customFields ?? {})) keys[`customFields.${key}`] = true;
	return keys;
}
