/**
 * Incremental reads through `/users/delta`: follow nextLinks to the deltaLink, separate removed
 * users, and fall back to a full read when Graph says the delta token is no longer valid.
 */
import { ServiceApiError } from '../common/errors';
import type { GraphTransport } from './graph';
import type { GraphUser } from './users';
import { selectList } from './users';

export type RemovalReason = 'deleted' | 'changed';

/** `changed` = soft-deleted (restorable for 30 days), `deleted` = permanently deleted. */
export interface RemovedUser {
	id: string;
	'@removed': { reason: RemovalReason };
}

export interface DeltaQuery {
	select: string[];
	/** Delta link from the previous round; absent = initial (full) round. */
	deltaLink?: string;
	/** Without a delta link: skip existing users and only get a link for changes from now on. */
	startFromNow?: boolean;
}

export interface DeltaResult {
	/** Users created or changed (all selected attributes), one entry per id. */
	users: GraphUser[];
	removed: RemovedUser[];
	/** Store it and pass it back next time. */
	deltaLink: string;
	/** True when the stored link was rejected and this result is a full read of all users. */
	fullResync: boolean;
	resyncReason?: string;
}

/** Graph's signals that a delta token is expired or was reset. */
export function isDeltaTokenExpired(error: unknown): boolean {
	if (!(error instanceof ServiceApiError) || error.service !== 'graph') return false;
	return (
		error.status === 410 || error.code === 'syncStateNotFound' || error.code === 'resyncRequired'
	);
}

type DeltaEntry = GraphUser & { '@removed'?: { reason?: string } };

async function runRound(
	graph: GraphTransport,
	start: string,
	query?: Record<string, string>,
): Promise<{ entries: DeltaEntry[]; deltaLink: string }> {
	const { value, deltaLink } = await graph.getAllPages<DeltaEntry>(start, { query });
	if (!deltaLink) {
		throw new ServiceApiError({
			service: 'graph',
			status: 200,
			code: 'missingDeltaLink',
			message: 'Microsoft Graph ended a delta round without a delta link.',
		});
	}
	return { entries: value, deltaLink };
}

/** The same object can come more than once in a round: the last occurrence wins. */
function splitEntries(entries: DeltaEntry[]): { users: GraphUser[]; removed: RemovedUser[] } {
	const latest = new Map<string, DeltaEntry>();
	for (const entry of entries) {
		latest.delete(entry.id);
		latest.set(entry.id, entry);
	}
	const users: GraphUser[] = [];
	const removed: RemovedUser[] = [];
	for (const entry of latest.values()) {
		if (entry['@removed']) {
			const reason: RemovalReason = entry['@removed'].reason === 'deleted' ? 'deleted' : 'changed';
			removed.push({ id: entry.id, '@removed': { reason } });
		} else {
			users.push(entry);
		}
	}
	return { users, removed };
}

export async function readUserDelta(
	graph: GraphTransport,
	query: DeltaQuery,
): Promise<DeltaResult> {
	const select = selectList(query.select);
	if (query.deltaLink) {
		graph.assertGraphUrl(query.deltaLink, 'deltaLink');
		try {
			const round = await runRound(graph, query.deltaLink);
			return { ...splitEntries(round.entries), deltaLink: round.deltaLink, fullResync: false };
		} catch (error) {
			if (!isDeltaTokenExpired(error)) throw error;
			const e = error as ServiceApiError;
			const round = await runRound(graph, '/users/delta', { $select: select });
			return {
				...splitEntries(round.entries),
				deltaLink: round.deltaLink,
				fullResync: true,
				resyncReason: `Microsoft Graph rejected the stored delta link (HTTP ${e.status}${e.code ? `, ${e.code}` : ''}); this is a full read of all users.`,
			};
		}
	}
	if (query.startFromNow) {
		const round = await runRound(graph, '/users/delta', { $select: select, $deltatoken: 'latest' });
		return { ...splitEntries(round.entries), deltaLink: round.deltaLink, fullResync: false };
	}
	const round = await runRound(graph, '/users/delta', { $select: select });
	return { ...splitEntries(round.entries), deltaLink: round.deltaLink, fullResync: false };
}
