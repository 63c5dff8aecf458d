/**
 * Two users of a run who swap numbers: neither contact can take the other's number first (a number
 * belongs to one contact), so each contact goes to the user who now has its number — with its consent
 * state, which belongs to the number.
 */

import type { Contact } from '../messagemedia/types';
import { hasNumber, linkedSourceId } from './contact';
import type { SyncInput } from './types';

/** Contact → the user (lower-case id) it is handed to. */
export function findSwaps(
	inputs: SyncInput[],
	linked: ReadonlyMap<string, Contact[]>,
	byPhone: ReadonlyMap<string, Contact[]>,
	linkFieldId: string | undefined,
): Map<Contact, string> {
	const wanted = new Map<string, string>();
	for (const input of inputs) {
		if (input.kind === 'item' && input.item.action === 'upsert' && input.item.contact?.phone) {
			wanted.set(input.item.sourceId.toLowerCase(), input.item.contact.phone);
		}
	}
	const relinked = new Map<Contact, string>();
	for (const [user, phone] of wanted) {
		const mine = linked.get(user);
		if (mine?.length !== 1 || hasNumber(mine[0], phone)) continue;
		const holders = byPhone.get(phone) ?? [];
		if (holders.length !== 1) continue;
		const other = linkedSourceId(holders[0], linkFieldId);
		if (other === undefined || other === user || linked.get(other)?.length !== 1) continue;
		const otherPhone = wanted.get(other);
		if (otherPhone === undefined || otherPhone === phone || !hasNumber(mine[0], otherPhone)) continue;
		if (relinked.has(mine[0]) || relinked.has(holders[0])) continue;
		relinked.set(holders[0], user);
		relinked.set(mine[0], other);
	}
	return relinked;
}
