/**
 * The oracle: the history the model keeps (numbers ever unsubscribed, who made each membership and
 * list) and the invariant checks, each read from account snapshots and the request log of a step —
 * never from the engine's own report. Every check returns the violations it found ([] = holds).
 *
 * Person's acts (see README.md): a person re-subscribing a number, or taking it off the opt-out list,
 * gives consent again; a person taking an unsubscribed number out of the account (deleting its
 * contact, or changing the channel's number) forgets it too, unless it is on the account's opt-out
 * list (that list is never forgotten: only a person taking the number off it does).
 */

import type { LoggedRequest } from '../memoryClient';
import { smsNumbers, type SnapContact, type Snapshot } from './snapshot';

export type Actor = 'sync' | 'person';
const key = (contactId: string, listId: string) => `${contactId}|${listId}`;

export class History {
	/** Numbers ever unsubscribed (on any contact, or on the opt-out list) and not given consent again since. */
	readonly unsubscribed = new Set<string>();
	/** contact|list → who made the membership. */
	readonly membershipBy = new Map<string, Actor>();
	readonly listBy = new Map<string, Actor>();
	/** Contact id → the SMS number the sync manages on it (its user's number when last synced). */
	readonly managed = new Map<string, string>();
	/** Memberships the sync made that a person took away since the last sync step. */
	private readonly takenBackByPerson = new Set<string>();

	/**
	 * Records what a step (by `actor`) changed between two snapshots. After a sync step, `phones` (lower-case
	 * user id → the user's usable number) says which SMS channel each linked contact's sync manages.
	 */
	observe(
		before: Snapshot,
		after: Snapshot,
		actor: Actor,
		phones: Map<string, string> = new Map(),
	): void {
		this.follow(before, after, actor, phones);
		if (actor === 'person') this.forgive(before, after);
		for (const n of after.optedOut) this.unsubscribed.add(n);
		for (const c of after.contacts.values()) {
			for (const ch of c.channels)
				if (ch.type === 'SMS' && ch.subscriptionState === 'UNSUBSCRIBED')
					this.unsubscribed.add(ch.channelId);
		}
		for (const id of after.lists.keys()) if (!this.listBy.has(id)) this.listBy.set(id, actor);
		if (actor === 'sync') this.takenBackByPerson.clear();
		for (const c of after.contacts.values()) {
			const old = new Set(before.contacts.get(c.id)?.listIds ?? []);
			for (const listId of c.listIds) {
				if (old.has(listId)) continue;
				// A person putting back a membership the sync had made (no run in between): the sync's record
				// still claims it and can't tell, so it stays the sync's.
				const back = actor === 'person' && this.takenBackByPerson.delete(key(c.id, listId));
				this.membershipBy.set(key(c.id, listId), back ? 'sync' : actor);
			}
		}
		for (const c of before.contacts.values()) {
			const now = new Set(after.contacts.get(c.id)?.listIds ?? []);
			for (const listId of c.listIds) {
				if (now.has(listId)) continue;
				if (actor === 'person' && this.membershipBy.get(key(c.id, listId)) === 'sync')
					this.takenBackByPerson.add(key(c.id, listId));
				this.membershipBy.delete(key(c.id, listId));
			}
		}
	}

	/** Keeps `managed` up to date: a sync step sets it to the user's number; a person re-numbering the channel moves it. */
	private follow(
		before: Snapshot,
		after: Snapshot,
		actor: Actor,
		phones: Map<string, string>,
	): void {
		for (const id of [...this.managed.keys()]) if (!after.contacts.has(id)) this.managed.delete(id);
		for (const c of after.contacts.values()) {
			const numbers = smsNumbers(c);
			const current = this.managed.get(c.id);
			const phone = c.link === undefined ? undefined : phones.get(c.link);
			if (actor === 'sync' && phone !== undefined && numbers.includes(phone))
				this.managed.set(c.id, phone);
			else if (current !== undefined && !numbers.includes(current)) {
				const old = new Set(smsNumbers(before.contacts.get(c.id) ?? c));
				const added = numbers.filter((n) => !old.has(n));
				if (added.length === 1) this.managed.set(c.id, added[0]);
				else this.managed.delete(c.id);
			}
		}
	}

	private forgive(before: Snapshot, after: Snapshot): void {
		const stillUnsubscribed = new Set<string>(after.optedOut);
		for (const c of after.contacts.values())
			for (const ch of c.channels)
				if (ch.subscriptionState === 'UNSUBSCRIBED') stillUnsubscribed.add(ch.channelId);
		const consent = new Set<string>();
		for (const n of before.optedOut) if (!after.optedOut.has(n)) consent.add(n);
		for (const c of after.contacts.values()) {
			const old = before.contacts.get(c.id);
			for (const ch of c.channels) {
				const was = old?.channels.find((o) => o.type === ch.type && o.channelId === ch.channelId);
				if (ch.subscriptionState === 'SUBSCRIBED' && was?.subscriptionState === 'UNSUBSCRIBED')
					consent.add(ch.channelId);
			}
		}
		// A number a person took out of the account (deleted its contact, or changed the channel's number).
		const held = new Set<string>();
		for (const c of after.contacts.values()) for (const n of smsNumbers(c)) held.add(n);
		for (const c of before.contacts.values()) {
			for (const ch of c.channels)
				if (ch.type === 'SMS' && ch.subscriptionState === 'UNSUBSCRIBED' && !held.has(ch.channelId))
					consent.add(ch.channelId);
		}
		for (const n of consent) if (!stillUnsubscribed.has(n)) this.unsubscribed.delete(n);
	}

	madeBy(contactId: string, listId: string): Actor | undefined {
		return this.membershipBy.get(key(contactId, listId));
	}
}

/** Channels a write request sends, with the request, for the consent check. */
function sentChannels(
	log: LoggedRequest[],
): Array<{ request: LoggedRequest; channelId: string; state?: string }> {
	const out: Array<{
		request: LoggedRequest;
		channelId: string;
		state?: string;
	}> = [];
	for (const request of log) {
		if (request.method !== 'POST' && request.method !== 'PATCH') continue;
		const channels =
			(
				request.body as
					| {
							channels?: Array<{
								type: string;
								channelId: string;
								subscriptionState?: string;
							}>;
					  }
					| undefined
			)?.channels ?? [];
		for (const ch of channels)
			if (ch.type === 'SMS')
				out.push({
					request,
					channelId: ch.channelId,
					state: ch.subscriptionState,
				});
	}
	return out;
}

/** 1. Consent: no write sends SUBSCRIBED for, and the sync stores no SUBSCRIBED SMS channel with, a number ever unsubscribed. */
export function checkConsent(
	history: History,
	before: Snapshot,
	after: Snapshot,
	log: LoggedRequest[],
): string[] {
	const violations: string[] = [];
	for (const { request, channelId, state } of sentChannels(log)) {
		if (state === 'SUBSCRIBED' && history.unsubscribed.has(channelId)) {
			violations.push(
				`consent: ${request.method} ${request.path} sent ${channelId} SUBSCRIBED, a number that was unsubscribed`,
			);
		}
	}
	for (const c of after.contacts.values()) {
		const old = before.contacts.get(c.id);
		for (const ch of c.channels) {
			if (
				ch.type !== 'SMS' ||
				ch.subscriptionState !== 'SUBSCRIBED' ||
				!history.unsubscribed.has(ch.channelId)
			)
				continue;
			const was = old?.channels.find((o) => o.type === ch.type && o.channelId === ch.channelId);
			if (was?.subscriptionState === 'SUBSCRIBED') continue; // not the sync's doing
			violations.push(
				`consent: contact ${c.id} now holds ${ch.channelId} SUBSCRIBED, a number that was unsubscribed`,
			);
		}
	}
	return violations;
}

/** 2. Nothing a person made is lost (by a sync step): unlinked contacts, unmanaged field values and channels, their memberships and lists. */
export function checkPreserved(
	history: History,
	before: Snapshot,
	after: Snapshot,
	managed: Set<string>,
): string[] {
	const violations: string[] = [];
	const isManaged = (fieldId: string) =>
		managed.has((before.fields.get(fieldId) ?? after.fields.get(fieldId) ?? '').toLowerCase());
	for (const listId of before.lists.keys()) {
		if (!after.lists.has(listId))
			violations.push(`preserved: list "${before.lists.get(listId)}" is gone`);
	}
	for (const c of before.contacts.values()) {
		const now = after.contacts.get(c.id);
		if (now === undefined) {
			if (c.link === undefined)
				violations.push(
					`preserved: unlinked contact ${c.id} (${smsNumbers(c).join(', ')}) was deleted`,
				);
			continue;
		}
		for (const [fieldId, value] of Object.entries(c.fields)) {
			if (!isManaged(fieldId) && now.fields[fieldId] !== value) {
				violations.push(
					`preserved: contact ${c.id} lost "${before.fields.get(fieldId)}" = "${value}" (now ${JSON.stringify(now.fields[fieldId])})`,
				);
			}
		}
		violations.push(...lostChannels(c, now, history.managed.get(c.id)));
		for (const listId of c.listIds) {
			if (history.madeBy(c.id, listId) === 'person' && !now.listIds.includes(listId)) {
				violations.push(
					`preserved: contact ${c.id} was taken out of "${before.lists.get(listId)}", a membership a person made`,
				);
			}
		}
	}
	return violations;
}

/**
 * Channels the sync doesn't manage survive: only the SMS channel whose number the sync manages (its
 * user's number when last synced) may lose its number (re-numbered, or merged into another channel);
 * every other channel keeps its number, and a channel's state may only move to UNSUBSCRIBED.
 */
function lostChannels(
	before: SnapContact,
	after: SnapContact,
	managed: string | undefined,
): string[] {
	const out: string[] = [];
	for (const ch of before.channels) {
		const now = after.channels.find((o) => o.type === ch.type && o.channelId === ch.channelId);
		if (now === undefined && !(ch.type === 'SMS' && ch.channelId === managed))
			out.push(`preserved: contact ${before.id} lost its ${ch.type} channel ${ch.channelId}`);
		else if (
			now !== undefined &&
			now.subscriptionState !== ch.subscriptionState &&
			now.subscriptionState !== 'UNSUBSCRIBED'
		) {
			out.push(
				`preserved: contact ${before.id}'s ${ch.type} channel ${ch.channelId} went ${ch.subscriptionState ?? '-'} → ${now.subscriptionState ?? '-'}`,
			);
		}
	}
	return out;
}

/** Whether a contact was removed by a step: deleted, unsubscribed, or taken off lists. */
function removed(before: SnapContact, after: SnapContact | undefined): string | undefined {
	if (after === undefined) return 'deleted';
	const unsubscribed = before.channels.some(
		(ch) =>
			ch.type === 'SMS' &&
			ch.subscriptionState !== 'UNSUBSCRIBED' &&
			after.channels.find((o) => o.channelId === ch.channelId)?.subscriptionState ===
				'UNSUBSCRIBED',
	);
	if (unsubscribed) return 'unsubscribed';
	if (before.listIds.some((l) => !after.listIds.includes(l))) return 'taken off lists';
	return undefined;
}

export interface GuardContext {
	/** Source ids (lower case) the run's input upserts: their list moves are updates, not removals. */
	upserts: Set<string>;
	/** Users the directory holds in scope (lower-case ids) when the run starts. */
	inScope: Set<string>;
	minRemovalsBeforeGuard: number;
	maxRemovalPercent: number;
	allowMassRemoval: boolean;
}

/**
 * 4. Guard: no run removes more linked contacts (deleted, unsubscribed, taken off lists) than the
 * threshold unless approved; and no run removes the contact of a user the directory still has in scope.
 */
export function checkGuard(before: Snapshot, after: Snapshot, ctx: GuardContext): string[] {
	const violations: string[] = [];
	const linked = [...before.contacts.values()].filter((c) => c.link !== undefined);
	const threshold = Math.max(
		ctx.minRemovalsBeforeGuard,
		Math.floor((ctx.maxRemovalPercent / 100) * linked.length),
	);
	let count = 0;
	for (const c of linked) {
		const how = removed(c, after.contacts.get(c.id));
		// A contact handed to a user of the run (it followed its number) is that user's update, not a removal.
		const owner = after.contacts.get(c.id)?.link;
		const update =
			ctx.upserts.has(c.link as string) ||
			(owner !== undefined && owner !== c.link && ctx.upserts.has(owner));
		if (how === undefined || (how === 'taken off lists' && update)) continue;
		count++;
		if (ctx.inScope.has(c.link as string))
			violations.push(
				`guard: contact ${c.id} of user ${c.link}, still in scope in the directory, was ${how}`,
			);
	}
	if (count > threshold && !ctx.allowMassRemoval)
		violations.push(
			`guard: ${count} contacts removed, above the threshold of ${threshold} (${linked.length} linked), without approval`,
		);
	return violations;
}

export interface ScopeUser {
	id: string;
	/** E.164 number the Mapper reads; undefined: none usable. */
	phone?: string;
	/** List names the user's contact belongs in. */
	lists: string[];
}

/**
 * 3. Convergence, after the settling runs: a further run wrote nothing (`lastWrites`), and every
 * in-scope user with a usable number has exactly one contact with that number (linked to them when
 * no other in-scope user shares it and adoption is on), in the lists of their department and in no
 * other list the sync made (`removeFromLists`: leavers are in no list the sync made).
 */
export function checkConverged(
	history: History,
	after: Snapshot,
	users: ScopeUser[],
	lastWrites: string[],
	opts: { adoptExisting: boolean; removeFromLists: boolean },
): string[] {
	const violations = lastWrites.map((w) => `converged: the run after settling still wrote ${w}`);
	const holders = new Map<string, SnapContact[]>();
	for (const c of after.contacts.values())
		for (const n of new Set(smsNumbers(c))) holders.set(n, [...(holders.get(n) ?? []), c]);
	const sharing = new Map<string, number>();
	for (const u of users) if (u.phone) sharing.set(u.phone, (sharing.get(u.phone) ?? 0) + 1);
	const inScope = new Set(users.map((u) => u.id.toLowerCase()));
	const syncLists = (c: SnapContact) =>
		c.listIds.filter((l) => history.listBy.get(l) === 'sync' && history.madeBy(c.id, l) === 'sync');
	for (const u of users) {
		if (!u.phone) continue;
		const found = holders.get(u.phone) ?? [];
		// The user's contact also has channels an update can't carry (EMAIL, …): the sync never sends a
		// channel set that would lose them, so a number change there waits for a person.
		const sharers = new Set(
			users.filter((other) => other.phone === u.phone).map((other) => other.id.toLowerCase()),
		);
		const own = [...after.contacts.values()].filter(
			(c) => c.link !== undefined && sharers.has(c.link),
		);
		if (
			found.length === 0 &&
			own.some((c) => c.channels.some((ch) => ch.type !== 'SMS' && ch.type !== 'WHATSAPP'))
		)
			continue;
		if (found.length !== 1) {
			violations.push(`converged: ${found.length} contacts hold ${u.phone} of user ${u.id}`);
			continue;
		}
		const [c] = found;
		if (sharing.get(u.phone) !== 1 || !opts.adoptExisting) continue;
		if (c.link !== u.id.toLowerCase()) {
			// The number sits beside another user's managed number on their contact: a channel a person added,
			// or an old number the service would not let go of (merge reading). Not the sync's to take.
			const managed = history.managed.get(c.id);
			if (
				c.link !== undefined &&
				inScope.has(c.link) &&
				managed !== undefined &&
				managed !== u.phone
			)
				continue;
			// Its user is in scope without a usable number: a rejected user's contact is left as it is, by design.
			if (
				c.link !== undefined &&
				users.some((other) => other.id.toLowerCase() === c.link && other.phone === undefined)
			)
				continue;
			violations.push(
				`converged: the contact with ${u.phone} is linked to ${c.link ?? 'nobody'}, not to its user ${u.id}`,
			);
			continue;
		}
		const names = c.listIds.map((l) => (after.lists.get(l) ?? '').toLowerCase());
		for (const wanted of u.lists)
			if (!names.includes(wanted.toLowerCase()))
				violations.push(`converged: user ${u.id}'s contact is not in "${wanted}"`);
		for (const l of syncLists(c)) {
			const name = after.lists.get(l) ?? '';
			if (!u.lists.some((w) => w.toLowerCase() === name.toLowerCase()))
				violations.push(`converged: user ${u.id}'s contact is still in "${name}"`);
		}
	}
	if (opts.removeFromLists) {
		for (const c of after.contacts.values()) {
			if (c.link === undefined || inScope.has(c.link)) continue;
			for (const l of syncLists(c))
				violations.push(
					`converged: contact ${c.id} of leaver ${c.link} is still in "${after.lists.get(l)}"`,
				);
		}
	}
	return violations;
}

/** 5. Dry run = real run: the same outcomes (by user and action), counts and guard. */
export function checkDryRun(dry: RunDigest, real: RunDigest, dryWrites: number): string[] {
	const violations: string[] = [];
	if (dryWrites > 0) violations.push(`dry run: ${dryWrites} write request(s) sent`);
	const a = JSON.stringify(dry);
	const b = JSON.stringify(real);
	if (a !== b) violations.push(`dry run: reported ${a}, the real run did ${b}`);
	return violations;
}

export interface RunDigest {
	guard: string;
	failed: boolean;
	outcomes: string[];
}

/**
 * 7. Crash safety: a killed run and its rerun end where the uninterrupted run ends, or where it and
 * the rerun end (`uninterrupted`: both states; the kill may come before the first write), and no
 * user gained a second contact.
 */
export function checkCrash(
	resumed: string[],
	uninterrupted: string[][],
	after: Snapshot,
	before: Snapshot,
): string[] {
	const violations: string[] = [];
	const diff = (reference: string[]) => ({
		extra: resumed.filter((l) => !reference.includes(l)),
		missing: reference.filter((l) => !resumed.includes(l)),
	});
	const diffs = uninterrupted.map(diff);
	if (!diffs.some((d) => d.extra.length === 0 && d.missing.length === 0)) {
		const { extra, missing } = diffs[diffs.length - 1];
		violations.push(
			`crash: the resumed run differs: extra ${JSON.stringify(extra)}, missing ${JSON.stringify(missing)}`,
		);
	}
	const count = (s: Snapshot) => {
		const links = new Map<string, number>();
		for (const c of s.contacts.values())
			if (c.link) links.set(c.link, (links.get(c.link) ?? 0) + 1);
		return links;
	};
	const was = count(before);
	for (const [link, n] of count(after))
		if (n > 1 && n > (was.get(link) ?? 0))
			violations.push(`crash: user ${link} now has ${n} contacts`);
	return violations;
}
