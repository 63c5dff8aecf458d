/**
 * Scope and cursor logic of the Entra Directory Trigger (and the scoping of Get Changes), n8n-free.
 *
 * The cursor lives in the workflow's static data: the delta link, a hash of the scope it was
 * made for and, for a group scope, the member ids of the last poll (to see who left the group).
 * A missing, corrupt or foreign-scope cursor means a fresh start — never a crash.
 *
 * Replay window (at-least-once delivery): the cursor also keeps the delta links of the previous
 * `replayPolls - 1` polls, and each poll reads from the oldest of them. A change is therefore emitted
 * on `replayPolls` consecutive polls: if the run that followed a poll failed (MessageMedia down, a
 * worker lost), a later run still gets it. Graph's delta returns the current state of each changed
 * user, and the sync writes only differences, so a replayed change that already arrived costs reads,
 * never a write. A poll cannot learn whether its run succeeded (in queue mode the run is on a worker
 * and the static data is last-writer-wins), hence a window instead of an acknowledgement.
 */
import { createHash } from 'node:crypto';

import { readUserDelta } from './delta';
import type { DeltaResult, RemovedUser } from './delta';
import type { GraphTransport } from './graph';
import { filterAttributes, matchesFilters } from './odata';
import type { AttributeFilter } from './odata';
import { listGroupMemberIds, listUsers } from './users';
import type { GraphUser, GroupScope } from './users';

export interface DirectoryScope {
	select: string[];
	filters: AttributeFilter[];
	group?: GroupScope;
}

/** `changed` = soft-deleted, `deleted` = hard-deleted (Graph), `outOfScope` = no longer matches the scope. */
export interface RemovedFromScope {
	id: string;
	'@removed': { reason: 'deleted' | 'changed' | 'outOfScope' };
}

export interface ChangeMeta {
	/** True when the stored delta link was rejected and these items come from a full read. */
	fullResync: boolean;
	resyncReason?: string;
	/** True for the items of an initial full read (first activation, or after a scope change). */
	initial?: boolean;
	/** True for a manual "fetch test event": a sample, the cursor was not touched. */
	sample?: boolean;
}

export type ChangeItem = (GraphUser | RemovedFromScope) & { _delta: ChangeMeta };

export interface PollCursor {
	deltaLink: string;
	scopeHash: string;
	/** Group scope only: user member ids at the last poll. */
	memberIds?: string[];
	lastPollAt: string;
	/** Delta links (and group members) of the previous polls, oldest first: the replay window. */
	replay?: ReplayPoint[];
}

export interface ReplayPoint {
	deltaLink: string;
	memberIds?: string[];
}

export interface PollOptions {
	scope: DirectoryScope;
	/** First activation (or scope change): emit every user in scope, or start from now. */
	emitExisting: boolean;
	/** The node's static data as stored (may be empty or corrupt). */
	stored: Record<string, unknown>;
	/** Manual test event: a sample of up to `sampleSize` users; the cursor is left alone. */
	manual?: boolean;
	sampleSize?: number;
	/** Polls each change is emitted on (1 = once; the node's default is 5). */
	replayPolls?: number;
	now?: () => Date;
}

export interface PollResult {
	items: ChangeItem[];
	/** Write this into the static data once the items are built; undefined = leave the cursor. */
	cursor?: PollCursor;
}

/** Stable hash of what the delta link and member set depend on. */
export function scopeHash(scope: DirectoryScope): string {
	const canonical = JSON.stringify({
		select: [...new Set(scope.select)].sort(),
		filters: scope.filters.map((f) => [f.attribute.trim(), f.operator, (f.value ?? '').trim()]),
		group: scope.group ? [scope.group.groupId.trim().toLowerCase(), scope.group.membership] : null,
	});
	return createHash('sha256').update(canonical).digest('hex');
}

/** The stored cursor if it is well-formed and made for this scope; otherwise undefined. */
export function readCursor(
	stored: Record<string, unknown>,
	scope: DirectoryScope,
): PollCursor | undefined {
	const { deltaLink, scopeHash: hash, memberIds, lastPollAt } = stored ?? {};
	if (typeof deltaLink !== 'string' || !/^https?:\/\//.test(deltaLink)) return undefined;
	if (hash !== scopeHash(scope)) return undefined;
	if (scope.group && !isIdList(memberIds)) return undefined;
	return {
		deltaLink,
		scopeHash: hash,
		memberIds: scope.group ? (memberIds as string[]) : undefined,
		lastPollAt: typeof lastPollAt === 'string' ? lastPollAt : '',
		replay: readReplay(stored.replay, Boolean(scope.group)),
	};
}

function isIdList(value: unknown): value is string[] {
	return Array.isArray(value) && value.every((id) => typeof id === 'string');
}

/** The stored replay window; a malformed entry ends it (the window only ever loses old points). */
function readReplay(value: unknown, group: boolean): ReplayPoint[] {
	if (!Array.isArray(value)) return [];
	const points: ReplayPoint[] = [];
	for (const entry of value.slice(-100)) {
		const { deltaLink, memberIds } = (entry ?? {}) as Record<string, unknown>;
		if (typeof deltaLink !== 'string' || !/^https?:\/\//.test(deltaLink)) break;
		if (group && !isIdList(memberIds)) break;
		points.push({ deltaLink, memberIds: group ? (memberIds as string[]) : undefined });
	}
	return points;
}

/**
 * Applies the scope to one delta round. Changed users in scope come out as they are; changed users
 * that fail the scope come out as `outOfScope` removals (with a group scope: only if they were
 * members before), so does a member who left the group; Graph's removals pass through.
 * `previousMembers` undefined = no history (initial or stateless read).
 */
export function scopeDelta(
	delta: Pick<DeltaResult, 'users' | 'removed'>,
	filters: AttributeFilter[],
	members?: Set<string>,
	previousMembers?: Set<string>,
): Array<GraphUser | RemovedFromScope> {
	const out: Array<GraphUser | RemovedFromScope> = [];
	const seen = new Set<string>();
	const wasInGroup = (id: string) => !members || !previousMembers || previousMembers.has(id);
	for (const user of delta.users) {
		seen.add(user.id);
		const inGroup = !members || members.has(user.id);
		if (inGroup && matchesFilters(user, filters)) out.push(user);
		else if (wasInGroup(user.id)) out.push(outOfScope(user.id));
	}
	for (const removed of delta.removed as RemovedUser[]) {
		seen.add(removed.id);
		if (wasInGroup(removed.id) || members?.has(removed.id)) out.push(removed);
	}
	if (members && previousMembers) {
		for (const id of previousMembers)
			if (!members.has(id) && !seen.has(id)) out.push(outOfScope(id));
	}
	return out;
}

function outOfScope(id: string): RemovedFromScope {
	return { id, '@removed': { reason: 'outOfScope' } };
}

function withMeta(entries: Array<GraphUser | RemovedFromScope>, meta: ChangeMeta): ChangeItem[] {
	return entries.map((entry) => ({ ...entry, _delta: meta }));
}

/** One poll: decides between sample, fresh start, incremental round and full resync. */
export async function pollDirectory(
	graph: GraphTransport,
	options: PollOptions,
): Promise<PollResult> {
	const { scope } = options;
	const now = options.now ?? (() => new Date());

	if (options.manual) {
		const users = await listUsers(graph, {
			select: scope.select,
			filters: scope.filters,
			group: scope.group,
			limit: options.sampleSize ?? 5,
		});
		return { items: withMeta(users, { fullResync: false, sample: true }) };
	}

	// Filters are evaluated here, so the delta must return the attributes they read.
	const select = [...scope.select, ...filterAttributes(scope.filters)];
	const cursor = readCursor(options.stored, scope);
	const members = scope.group ? await listGroupMemberIds(graph, scope.group) : undefined;
	const keep = Math.max(0, Math.min(100, Math.floor(options.replayPolls ?? 1)) - 1);
	const window: ReplayPoint[] =
		cursor && keep > 0
			? [
					...(cursor.replay ?? []),
					{ deltaLink: cursor.deltaLink, memberIds: cursor.memberIds },
				].slice(-keep)
			: [];
	const save = (deltaLink: string): PollCursor => ({
		deltaLink,
		scopeHash: scopeHash(scope),
		memberIds: members ? [...members] : undefined,
		lastPollAt: now().toISOString(),
		...(window.length ? { replay: window } : {}),
	});

	if (!cursor) {
		const delta = await readUserDelta(graph, { select, startFromNow: !options.emitExisting });
		const entries = options.emitExisting
			? scopeDelta({ users: delta.users, removed: [] }, scope.filters, members)
			: [];
		// On a fresh start only users in scope are news; out-of-scope users were never emitted.
		const inScope = entries.filter((entry) => !('@removed' in entry));
		return {
			items: withMeta(inScope, { fullResync: false, initial: true }),
			cursor: save(delta.deltaLink),
		};
	}

	// Read from the oldest point of the replay window: the changes of the last `replayPolls` polls.
	const from: ReplayPoint =
		(keep > 0 && cursor.replay?.length ? cursor.replay.slice(-keep)[0] : undefined) ?? cursor;
	const delta = await readUserDelta(graph, { select, deltaLink: from.deltaLink });
	const previous = from.memberIds ? new Set(from.memberIds) : undefined;
	if (delta.fullResync) {
		// A full read is a complete set (downstream reconciles): users in scope, Graph's removals and
		// members who left the group; not every user that merely fails the attribute filters.
		const leftGroup = (id: string) => members !== undefined && !members.has(id);
		const entries = scopeDelta(delta, scope.filters, members, previous).filter(
			(entry) =>
				(entry as RemovedFromScope)['@removed']?.reason !== 'outOfScope' || leftGroup(entry.id),
		);
		// The window's links are as old as the rejected one: start a new window from here.
		window.length = 0;
		return {
			items: withMeta(entries, { fullResync: true, resyncReason: delta.resyncReason }),
			cursor: save(delta.deltaLink),
		};
	}
	let entries = scopeDelta(delta, scope.filters, members, previous);
	if (members && previous)
		entries = entries.concat(await joinedMembers(graph, scope, members, previous, entries));
	return { items: withMeta(entries, { fullResync: false }), cursor: save(delta.deltaLink) };
}

/** Users who joined the group since the last poll but whose attributes did not change. */
async function joinedMembers(
	graph: GraphTransport,
	scope: DirectoryScope,
	members: Set<string>,
	previous: Set<string>,
	already: Array<GraphUser | RemovedFromScope>,
): Promise<GraphUser[]> {
	const emitted = new Set(already.map((entry) => entry.id));
	const joined = [...members].filter((id) => !previous.has(id) && !emitted.has(id));
	if (!joined.length) return [];
	const wanted = new Set(joined);
	const users = await listUsers(graph, { select: scope.select, group: scope.group });
	return users.filter((user) => wanted.has(user.id) && matchesFilters(user, scope.filters));
}
