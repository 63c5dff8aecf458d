/**
 * Contacts that change hands in a run. A number belongs to one contact, and a contact's consent state
 * belongs to its number, so when a user's number sits on another contact, the contact goes to the
 * user instead of a second contact being made:
 *
 * - an unlinked (hand-made) contact is adopted, when adoption is on;
 * - a contact linked to another user is handed over when that user releases the number: they leave
 *   in this run, or they now have a number that sits on yet another contact (two users swapping
 *   numbers swap contacts; a number moving from a leaver to a new hire keeps its contact).
 *
 * A user who takes a contact over and still has an older one of their own: the planner unlinks the
 * older one (see upsert.ts). A user whose new number is free keeps their contact and changes its number
 * instead; whoever wants the old number gets it on the next run.
 */

import type { Contact } from '../messagemedia/types';
import { hasNumber, linkedSourceId } from './contact';
import type { SyncInput } from './types';

export interface TakeoverContext {
	inputs: SyncInput[];
	/** Lower-case user id → contacts linked to them. */
	linked: ReadonlyMap<string, Contact[]>;
	byPhone: ReadonlyMap<string, Contact[]>;
	linkFieldId: string | undefined;
	/** Users who leave in this run (remove items; absent from a complete full run). */
	leaving: ReadonlySet<string>;
	adoptExisting: boolean;
}

/** Contact → the user (lower-case id) it goes to. */
export function findTakeovers(ctx: TakeoverContext): Map<Contact, string> {
	const wanted = new Map<string, string>();
	for (const input of ctx.inputs) {
		if (input.kind === 'item' && input.item.action === 'upsert' && input.item.contact?.phone) {
			const key = input.item.sourceId.toLowerCase();
			if (!wanted.has(key)) wanted.set(key, input.item.contact.phone);
		}
	}
	/** The holder's user gives the number up: they leave, or their own number sits on another contact. */
	const releases = (owner: string, holder: Contact, phone: string): boolean => {
		if (ctx.leaving.has(owner)) return true;
		const theirs = wanted.get(owner);
		if (theirs === undefined || theirs === phone || hasNumber(holder, theirs)) return false;
		return (ctx.byPhone.get(theirs) ?? []).some((contact) => contact !== holder);
	};
	const relinked = new Map<Contact, string>();
	const taken = new Set<string>();
	for (const [user, phone] of wanted) {
		if (taken.has(phone)) continue;
		taken.add(phone);
		if ((ctx.linked.get(user) ?? []).some((contact) => hasNumber(contact, phone))) continue;
		const holders = ctx.byPhone.get(phone) ?? [];
		if (holders.length !== 1 || relinked.has(holders[0])) continue;
		const owner = linkedSourceId(holders[0], ctx.linkFieldId);
		const free =
			owner === undefined
				? ctx.adoptExisting
				: owner !== user && ctx.adoptExisting && releases(owner, holders[0], phone);
		if (free) relinked.set(holders[0], user);
	}
	return relinked;
}
