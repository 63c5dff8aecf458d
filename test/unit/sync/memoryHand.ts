/**
 * What a person does in the MessageMedia web app, on the in-memory account: no request is logged and
 * no fault or crash applies (it is not the sync). Every act keeps the vendor rule that a number
 * belongs to at most one contact (an act that would break it does nothing and returns false), and a
 * person may add channel types the API can't write (EMAIL, …).
 */

import type {
	ChannelType,
	ContactChannel,
	ContactList,
	CustomField,
	SubscriptionState,
} from '../../../lib/messagemedia/types';
import type { MemoryMessageMedia, StoredContact } from './memoryClient';

export class Person {
	constructor(private readonly mm: MemoryMessageMedia) {}

	private touch(contact: StoredContact): void {
		contact.lastModifiedDate = this.mm.timestamp();
	}

	private free(channel: Pick<ContactChannel, 'type' | 'channelId'>, self?: string): boolean {
		return this.mm.holderOf(channel, self) === undefined;
	}

	/** A contact made by hand; undefined when a channel's number is taken. */
	createContact(init: {
		firstName?: string;
		lastName?: string;
		channels: ContactChannel[];
		fields?: Record<string, string>;
		listIds?: string[];
	}): StoredContact | undefined {
		if (init.channels.some((c) => !this.free(c))) return undefined;
		const now = this.mm.timestamp();
		const contact: StoredContact = {
			id: this.mm.newId(),
			attributes: {
				...(init.firstName ? { firstName: init.firstName } : {}),
				...(init.lastName ? { lastName: init.lastName } : {}),
			},
			channels: init.channels.map((c) => ({ ...c })),
			listIds: [...(init.listIds ?? [])],
			customFields: new Map(Object.entries(init.fields ?? {})),
			createdDate: now,
			lastModifiedDate: now,
		};
		this.mm.contacts.set(contact.id, contact);
		return contact;
	}

	deleteContact(id: string): boolean {
		return this.mm.contacts.delete(id);
	}

	setAttribute(id: string, key: 'firstName' | 'lastName' | 'note', value: string): boolean {
		const contact = this.mm.contacts.get(id);
		if (!contact) return false;
		contact.attributes[key] = value;
		this.touch(contact);
		return true;
	}

	/** Adds a channel (any type: EMAIL, a second SMS number, WhatsApp). */
	addChannel(id: string, channel: ContactChannel): boolean {
		const contact = this.mm.contacts.get(id);
		if (!contact || !this.free(channel)) return false;
		contact.channels.push({ ...channel });
		this.touch(contact);
		return true;
	}

	/** Changes the number of the contact's first SMS channel (its state stays). */
	changeNumber(id: string, number: string): boolean {
		const contact = this.mm.contacts.get(id);
		const sms = contact?.channels.find((c) => c.type === 'SMS');
		if (!contact || !sms || !this.free({ type: 'SMS', channelId: number }, id)) return false;
		sms.channelId = number;
		this.touch(contact);
		return true;
	}

	/** Sets the state of every channel with this number on the contact (the web app's subscribe switch). */
	setSubscription(id: string, number: string, state: SubscriptionState): boolean {
		const contact = this.mm.contacts.get(id);
		const channels = contact?.channels.filter((c) => c.channelId === number) ?? [];
		if (!contact || channels.length === 0) return false;
		for (const channel of channels) channel.subscriptionState = state;
		this.touch(contact);
		return true;
	}

	/** The recipient replies STOP: the number goes on the account's opt-out list and every channel with it is unsubscribed. */
	replyStop(number: string): void {
		this.mm.optedOut.add(number);
		for (const contact of this.mm.contacts.values()) {
			for (const channel of contact.channels)
				if (channel.channelId === number && channel.type === 'SMS')
					channel.subscriptionState = 'UNSUBSCRIBED';
		}
	}

	/** A person takes the number off the account's opt-out list. */
	clearOptOut(number: string): boolean {
		return this.mm.optedOut.delete(number);
	}

	/** Sets ('' keeps an empty value) or, with undefined, deletes a custom field value. */
	setField(id: string, fieldId: string, value: string | undefined): boolean {
		const contact = this.mm.contacts.get(id);
		if (!contact || !this.mm.fields.has(fieldId)) return false;
		if (value === undefined) contact.customFields.delete(fieldId);
		else contact.customFields.set(fieldId, value);
		this.touch(contact);
		return true;
	}

	/** A custom field made by hand (or the existing one with that label). */
	field(label: string, type: CustomField['type'] = 'TEXT'): CustomField {
		const existing = this.mm.field(label);
		if (existing) return existing;
		const mergeTag = label.toLowerCase().replace(/[^a-z0-9]+/g, '_');
		return this.mm.seedField({ label, mergeTag, maxLength: 255, type });
	}

	/** A list made by hand (always a new one, even if the name exists). */
	createList(name: string): ContactList {
		return this.mm.seedList(name);
	}

	addToList(id: string, listId: string): boolean {
		const contact = this.mm.contacts.get(id);
		if (!contact || !this.mm.lists.has(listId) || contact.listIds.includes(listId)) return false;
		contact.listIds.push(listId);
		return true;
	}

	removeFromList(id: string, listId: string): boolean {
		const contact = this.mm.contacts.get(id);
		if (!contact || !contact.listIds.includes(listId)) return false;
		contact.listIds = contact.listIds.filter((l) => l !== listId);
		return true;
	}
}

/** Channel types a person can add that the API can't write. */
export const HAND_ONLY_CHANNELS: ChannelType[] = ['EMAIL', 'FACEBOOK'];
