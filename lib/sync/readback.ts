/**
 * The read-back of an update: the service answers a PATCH with the contact it stored. What differs
 * from what was sent is reported (the outcome's `diverged`), never taken as written: the vendor doesn't
 * document whether arrays in a PATCH replace or merge.
 */

import type { Contact, UpdateContactRequest } from '../messagemedia/types';
import { CONTACT_ATTRIBUTES } from '../messagemedia/contact-request';
import { writableChannels } from './contact';

/**
 * What the service stored that differs from what the update sent (the service doesn't document
 * whether arrays in a PATCH replace or merge): empty when it stored what was meant.
 */
export function storedDifferences(
	sent: UpdateContactRequest,
	stored: Contact | undefined,
): string[] {
	if (stored === undefined || typeof stored !== 'object') return [];
	const differences: string[] = [];
	for (const key of CONTACT_ATTRIBUTES) {
		const value = sent[key];
		if (value !== undefined && (stored[key] ?? '') !== value)
			differences.push(`${key} is "${stored[key] ?? ''}", not "${value}"`);
	}
	if (sent.channels !== undefined && Array.isArray(stored.channels)) {
		const key = (c: { type: string; channelId: string }) => `${c.type} ${c.channelId}`;
		const kept = new Map(writableChannels(stored).map((c) => [key(c), c]));
		const meant = new Set(sent.channels.map(key));
		for (const channel of sent.channels) {
			const found = kept.get(key(channel));
			if (found === undefined) differences.push(`channel ${key(channel)} is missing`);
			else if (
				channel.subscriptionState !== undefined &&
				found.subscriptionState !== channel.subscriptionState
			) {
				differences.push(
					`channel ${key(channel)} is ${found.subscriptionState ?? 'without a state'}, not ${channel.subscriptionState}`,
				);
			}
		}
		for (const channel of kept.keys())
			if (!meant.has(channel)) differences.push(`channel ${channel} was kept`);
	}
	if (sent.customFields !== undefined && Array.isArray(stored.customFields)) {
		for (const { id, value } of sent.customFields) {
			const found = stored.customFields.find((cf) => cf.id === id)?.value ?? '';
			if (found !== value) differences.push(`custom field ${id} is "${found}", not "${value}"`);
		}
	}
	return differences;
}
