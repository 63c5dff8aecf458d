/** Directory users: list (attribute filters, group scope, paging), get, update. */
import { ConfigurationError, ServiceApiError } from '../common/errors';
import { WriteBackRefused, type DirectoryWriter } from '../types';
import type { GraphTransport } from './graph';
import { ON_PREMISES_MASTERED } from './graph';
import { buildUserFilter } from './odata';
import type { AttributeFilter } from './odata';

/** A user as Graph returns it: the selected attributes (plus `id`, always). */
export type GraphUser = { id: string } & Record<string, unknown>;

export const DEFAULT_USER_ATTRIBUTES = [
	'id',
	'displayName',
	'givenName',
	'surname',
	'mail',
	'userPrincipalName',
	'mobilePhone',
	'businessPhones',
	'department',
	'jobTitle',
	'accountEnabled',
	'usageLocation',
];

/** Graph's maximum page size for directory collections. */
export const MAX_PAGE_SIZE = 999;

export type GroupMembership = 'direct' | 'transitive';

export interface GroupScope {
	groupId: string;
	membership: GroupMembership;
}

export interface UserListQuery {
	/** Attributes to `$select` (`id` is always added). */
	select: string[];
	filters?: AttributeFilter[];
	rawFilter?: string;
	group?: GroupScope;
	/** Stop after this many users (default: all). */
	limit?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `$select` value: `id` first, duplicates and blanks removed. */
export function selectList(attributes: string[]): string {
	const names = ['id', ...attributes.map((a) => a.trim()).filter(Boolean)];
	for (const name of names) {
		if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
			throw new ConfigurationError(`"${name}" is not a valid attribute name.`, 'attributes');
		}
	}
	return [...new Set(names)].join(',');
}

export function validateGroupId(groupId: string): string {
	const id = groupId.trim();
	if (!GUID.test(id))
		throw new ConfigurationError('Group must be a group object ID (GUID).', 'groupScope');
	return id;
}

/** Path of the members collection of a group, cast to users. */
export function groupMembersPath(scope: GroupScope): string {
	const segment = scope.membership === 'transitive' ? 'transitiveMembers' : 'members';
	return `/groups/${validateGroupId(scope.groupId)}/${segment}/microsoft.graph.user`;
}

/**
 * Lists users, following every nextLink. Group scope uses the members collection cast to
 * `microsoft.graph.user` — an OData cast is an advanced query, as are some filters: those pages all
 * carry `ConsistencyLevel: eventual` and `$count=true`.
 */
export async function listUsers(graph: GraphTransport, query: UserListQuery): Promise<GraphUser[]> {
	const built = buildUserFilter(query.filters, query.rawFilter);
	const path = query.group ? groupMembersPath(query.group) : '/users';
	const advancedQuery = Boolean(query.group) || Boolean(built?.advancedQuery);
	const top =
		query.limit !== undefined ? Math.min(Math.max(query.limit, 1), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
	const { value } = await graph.getAllPages<GraphUser>(path, {
		query: { $select: selectList(query.select), $filter: built?.filter, $top: top },
		advancedQuery,
		limit: query.limit,
	});
	return value;
}

/** Ids of a group's user members (transitive: members of nested groups too). */
export async function listGroupMemberIds(
	graph: GraphTransport,
	scope: GroupScope,
): Promise<Set<string>> {
	const { value } = await graph.getAllPages<{ id: string }>(groupMembersPath(scope), {
		query: { $select: 'id', $top: MAX_PAGE_SIZE },
		advancedQuery: true,
	});
	return new Set(value.map((member) => member.id));
}

function userPath(idOrUpn: string): string {
	const key = idOrUpn.trim();
	if (!key) throw new ConfigurationError('User ID or user principal name is required.', 'userId');
	// encodeURIComponent keeps dots, and a URL collapses `.`/`..` segments: `.` would read every user.
	if (key === '.' || key === '..')
		throw new ConfigurationError(`"${key}" is not a user ID or user principal name.`, 'userId');
	return `/users/${encodeURIComponent(key)}`;
}

export async function getUser(
	graph: GraphTransport,
	idOrUpn: string,
	select: string[],
): Promise<GraphUser> {
	return await graph.get<GraphUser>(userPath(idOrUpn), { query: { $select: selectList(select) } });
}

/**
 * Attributes Entra keeps read-only for users synced from on-premises AD (source of authority is
 * AD): documented for phones and extension attributes, observed for the AD-mapped profile fields.
 */
export const SYNCED_READ_ONLY_ATTRIBUTES = new Set([
	'accountEnabled',
	'businessPhones',
	'city',
	'companyName',
	'country',
	'department',
	'displayName',
	'employeeHireDate',
	'employeeId',
	'employeeType',
	'faxNumber',
	'givenName',
	'jobTitle',
	'mail',
	'mailNickname',
	'mobilePhone',
	'officeLocation',
	'onPremisesExtensionAttributes',
	'otherMails',
	'postalCode',
	'proxyAddresses',
	'state',
	'streetAddress',
	'surname',
	'userPrincipalName',
]);

/** A write to attributes that on-premises AD masters for this user (`onPremisesSyncEnabled`), refused before sending. */
export class OnPremisesMasteredError extends ConfigurationError {
	constructor(
		message: string,
		readonly userId: string,
		readonly attributes: string[],
	) {
		super(message, attributes[0]);
		this.name = 'OnPremisesMasteredError';
	}
}

/**
 * PATCHes only the given attributes (Graph answers 204). For a user synced from on-premises AD,
 * an attribute AD masters fails before anything is sent, naming the attribute.
 */
export async function updateUser(
	graph: GraphTransport,
	idOrUpn: string,
	changes: Record<string, unknown>,
): Promise<void> {
	const attributes = Object.keys(changes);
	if (!attributes.length)
		throw new ConfigurationError('Choose at least one attribute to update.', 'updateFields');
	const current = await getUser(graph, idOrUpn, ['onPremisesSyncEnabled']);
	if (current.onPremisesSyncEnabled === true) {
		const blocked = attributes.filter((a) => SYNCED_READ_ONLY_ATTRIBUTES.has(a));
		if (blocked.length) {
			throw new OnPremisesMasteredError(
				`User ${current.id} is synced from on-premises Active Directory, where ${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} mastered: Entra ID keeps ${blocked.length === 1 ? 'it' : 'them'} read-only. Change ${blocked.length === 1 ? 'it' : 'them'} in AD, or leave ${blocked.length === 1 ? 'it' : 'them'} out of the update.`,
				current.id,
				blocked,
			);
		}
	}
	try {
		await graph.patch(userPath(current.id), changes);
	} catch (error) {
		if (
			error instanceof ServiceApiError &&
			error.status === 400 &&
			ON_PREMISES_MASTERED.test(error.message)
		) {
			throw new ServiceApiError({
				...error.toJSON(),
				message: `User ${current.id} is synced from on-premises Active Directory: Entra ID refused to change ${attributes.join(', ')} (${error.message})`,
			});
		}
		throw error;
	}
}

/**
 * The sync's write-back port (DirectoryWriter, lib/types.ts) over `updateUser`: a refusal for a user synced
 * from on-premises AD (checked before sending, or Graph's 400) becomes WriteBackRefused, which the
 * sync reports as `skipped: on-premises mastered` instead of failed.
 */
export function entraDirectoryWriter(graph: GraphTransport): DirectoryWriter {
	return {
		async updateUser(id, changes) {
			try {
				await updateUser(graph, id, changes);
			} catch (error) {
				const refused =
					error instanceof OnPremisesMasteredError ||
					(error instanceof ServiceApiError &&
						error.status === 400 &&
						ON_PREMISES_MASTERED.test(error.message));
				if (refused) throw new WriteBackRefused((error as Error).message);
				throw error;
			}
		},
	};
}

/**
 * The PATCH body from the node's "Update Fields": chosen fields only, an empty string clears an
 * attribute (null), `businessPhone` becomes the one-element `businessPhones`, and
 * `otherAttributes.attribute[{ name, value }]` adds any other attribute (e.g. extension attributes).
 */
export function buildUpdateBody(fields: Record<string, unknown>): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(fields)) {
		if (name === 'otherAttributes') continue;
		if (name === 'businessPhone') body.businessPhones = value === '' ? [] : [String(value)];
		else body[name] = value === '' ? null : value;
	}
	const others =
		(
			fields.otherAttributes as
				| { attribute?: Array<{ name?: unknown; value?: unknown }> }
				| undefined
		)?.attribute ?? [];
	for (const { name, value } of others) {
		const key = String(name ?? '').trim();
		if (!key) throw new ConfigurationError('Every other attribute needs a name.', 'updateFields');
		// A Graph property name (extension attributes included); `__proto__` would set the body's prototype instead.
		if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key))
			throw new ConfigurationError(
				`"${key.slice(0, 100)}" is not a directory attribute name.`,
				'updateFields',
			);
		Object.defineProperty(body, key, {
			value: value === '' ? null : value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	}
	return body;
}
