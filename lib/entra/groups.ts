/** Directory groups: searchable list (group picker) and Get Many. */
import type { GraphPage, GraphTransport } from './graph';
import { odataString } from './odata';
import { MAX_PAGE_SIZE } from './users';

export interface GraphGroup {
	id: string;
	displayName?: string;
	mail?: string | null;
	description?: string | null;
	[key: string]: unknown;
}

export const GROUP_ATTRIBUTES = [
	'id',
	'displayName',
	'mail',
	'description',
	'mailEnabled',
	'securityEnabled',
];

export interface GroupQuery {
	/** Display-name prefix (`startswith(displayName,'…')`, no advanced query needed). */
	nameStartsWith?: string;
	/** Tokenized `$search` on displayName and description (advanced query). */
	search?: string;
	limit?: number;
}

function groupRequest(query: GroupQuery, top: number) {
	const search = query.search?.trim();
	const prefix = query.nameStartsWith?.trim();
	return {
		query: {
			$select: GROUP_ATTRIBUTES.join(','),
			$top: top,
			$filter: prefix ? `startswith(displayName,${odataString(prefix)})` : undefined,
			// $search terms are double-quoted; a double quote inside a term is escaped with a backslash.
			$search: search ? `"displayName:${search.replace(/[\\"]/g, '\\$&')}"` : undefined,
		},
		// $search needs only the header, but $count=true does no harm and keeps one code path.
		advancedQuery: Boolean(search),
	};
}

export async function listGroups(
	graph: GraphTransport,
	query: GroupQuery = {},
): Promise<GraphGroup[]> {
	const top =
		query.limit !== undefined ? Math.min(Math.max(query.limit, 1), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
	const { value } = await graph.getAllPages<GraphGroup>('/groups', {
		...groupRequest(query, top),
		limit: query.limit,
	});
	return value;
}

/** One page for a searchable picker; pass the returned `nextLink` back to continue. */
export async function searchGroupsPage(
	graph: GraphTransport,
	filter: string | undefined,
	nextLink?: string,
): Promise<GraphPage<GraphGroup>> {
	if (nextLink) return await graph.getPage<GraphGroup>(nextLink);
	return await graph.getPage<GraphGroup>('/groups', groupRequest({ nameStartsWith: filter }, 100));
}
