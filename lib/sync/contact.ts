/**
 * What the sync reads off a MessageMedia contact and the account: names and keys (lists, merge
 * tags), the link to a directory user, SMS channels, custom field values. Pure helpers shared by the
 * planner and the applier.
 */

import type { Contact, ContactChannel, CustomField, WritableChannel } from '../messagemedia/types';

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

export const byAge = (
	a: { createdDate?: string; id: string },
	b: { createdDate?: string; id: string },
): number => (a.createdDate ?? '').localeCompare(b.createdDate ?? '') || a.id.localeCompare(b.id);

/** The field whose label or merge tag is `key` (case-insensitive); an exact match beats a derived merge tag, then the oldest wins. */
export function findCustomField(fields: CustomField[], key: string): CustomField | undefined {
	const wanted = key.trim().toLowerCase();
	const tag = mergeTagFor(key);
	const exact = (f: CustomField) =>
		f.label.trim().toLowerCase() === wanted || f.mergeTag.toLowerCase() === wanted;
	const matches = fields.filter((f) => exact(f) || f.mergeTag.toLowerCase() === tag);
	matches.sort((a, b) => Number(exact(b)) - Number(exact(a)) || byAge(a, b));
	return matches[0];
}

/** A custom field value of the contact ('' when it has none). */
export function fieldValue(contact: Contact, fieldId: string | undefined): string {
	if (fieldId === undefined) return '';
	return contact.customFields.find((cf) => cf.id === fieldId)?.value ?? '';
}

/** Every custom field value the contact holds, by field id (a null-prototype record: ids are not trusted keys). */
export function storedFieldValues(contact: Contact): Record<string, string> {
	const values = Object.create(null) as Record<string, string>;
	for (const cf of contact.customFields)
		if (cf.id && values[cf.id] === undefined) values[cf.id] = cf.value ?? '';
	return values;
}

export function smsChannels(contact: Contact): ContactChannel[] {
	return contact.channels.filter((c) => c.type === 'SMS');
}

/** The contact has an SMS channel with this number. */
export const hasNumber = (contact: Contact, phone: string): boolean =>
	contact.channels.some((c) => c.type === 'SMS' && c.channelId === phone);

/** The Entra object id a contact is linked to, lower-cased; undefined when unlinked. */
export function linkedSourceId(
	contact: Contact,
	linkFieldId: string | undefined,
): string | undefined {
	const value = fieldValue(contact, linkFieldId).trim();
	return value ? value.toLowerCase() : undefined;
}

/** Channels the API accepts in a write (SMS, WhatsApp), as stored, with their states. */
export function writableChannels(contact: Contact): WritableChannel[] {
	return contact.channels
		.filter(
			(c): c is ContactChannel & { type: 'SMS' | 'WHATSAPP' } =>
				c.type === 'SMS' || c.type === 'WHATSAPP',
		)
		.map((c) =>
			c.subscriptionState
				? { channelId: c.channelId, type: c.type, subscriptionState: c.subscriptionState }
				: { channelId: c.channelId, type: c.type },
		);
}

/** Channels a write can't carry (EMAIL, GBM, …): a `channels` update could lose them, so the sync never sends one then. */
export const unwritableChannels = (contact: Contact): ContactChannel[] =>
	contact.channels.filter((c) => c.type !== 'SMS' && c.type !== 'WHATSAPP');

/** A number counts as opted out when any of its channels in the account is UNSUBSCRIBED. */
export const isUnsubscribed = (contact: Contact): boolean =>
	contact.channels.some((c) => c.subscriptionState === 'UNSUBSCRIBED');

export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const values = map.get(key);
	if (values) values.push(value);
	else map.set(key, [value]);
}
