/**
 * Fake Microsoft Graph v1.0 for the directory reads and writes the sync uses: users (list, get, PATCH),
 * users/delta, groups, group members / transitive members, organization. Behaviour follows Microsoft's
 * Graph documentation: $select/$filter/$top/$count/$search rules, advanced queries, paging with nextLink, delta
 * tokens and their expiry, Graph's error envelope and request-id header.
 */
import { randomUUID } from 'node:crypto';

import {
	DEFAULT_USER_PROPERTIES,
	DirectoryStore,
	isExtensionProperty,
	isKnownUserProperty,
	ON_PREMISES_MASTERED,
	READ_ONLY_USER_PROPERTIES,
	SINGLE_USER_ONLY_PROPERTIES,
	WRITABLE_USER_PROPERTIES,
	type StoredApp,
	type StoredGroup,
	type StoredUser,
	type Tenant,
} from './entra-state';
import type { TokenStore } from './entra-token';
import {
	analyzeFilter,
	evaluateFilter,
	FilterError,
	parseFilter,
	type FilterNode,
	type FilterOperator,
	type FilterPolicy,
} from './odata-filter';
import {
	base64UrlDecodeJson,
	base64UrlEncodeJson,
	header,
	parseJsonBody,
	type FakeRequest,
	type FakeResponse,
} from './http-util';
import type { FaultConfig } from './types';

export interface GraphOptions {
	deltaPageSize: () => number;
	deltaTokenMaxAgeSeconds: () => number;
	deltaExpiredResponse: () => 'syncStateNotFound' | 'gone';
	faults: () => FaultConfig;
	/** Identifies this server run and state load: delta tokens of another one are unknown (expired). */
	instanceId: () => string;
}

class GraphError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

const USER_READ_ROLES = [
	'User.Read.All',
	'User.ReadWrite.All',
	'Directory.Read.All',
	'Directory.ReadWrite.All',
];
const USER_WRITE_ROLES = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const PHONE_WRITE_ROLES = ['User-Phone.ReadWrite.All'];
const GROUP_READ_ROLES = [
	'GroupMember.Read.All',
	'Group.Read.All',
	'Group.ReadWrite.All',
	'Directory.Read.All',
	'Directory.ReadWrite.All',
];

const MAX_TOP = 999;
const DEFAULT_TOP = 100;

/** Value kinds of user properties for $filter operand checks. */
const BOOLEAN_USER_PROPERTIES = new Set([
	'accountEnabled',
	'onPremisesSyncEnabled',
	'showInAddressList',
]);
const COLLECTION_USER_PROPERTIES = new Set([
	'businessPhones',
	'otherMails',
	'proxyAddresses',
	'imAddresses',
	'assignedLicenses',
	'identities',
]);
const DATE_USER_PROPERTIES = new Set([
	'createdDateTime',
	'employeeHireDate',
	'deletedDateTime',
	'onPremisesLastSyncDateTime',
	'employeeLeaveDateTime',
]);

function ops(...names: FilterOperator[]): Set<FilterOperator> {
	return new Set(names);
}
const STRING_OPS = ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'eqNull');

const userFilterPolicy = (tenant: Tenant): FilterPolicy => ({
	resource: 'User',
	kind(path) {
		if (BOOLEAN_USER_PROPERTIES.has(path)) return 'boolean';
		if (COLLECTION_USER_PROPERTIES.has(path)) return 'collection';
		if (DATE_USER_PROPERTIES.has(path)) return 'other';
		return 'string';
	},
	operators(path) {
		if (path.startsWith('onPremisesExtensionAttributes/')) {
			return /^onPremisesExtensionAttributes\/extensionAttribute([1-9]|1[0-5])$/.test(path)
				? ops('eq', 'ne', 'not', 'ge', 'le', 'in', 'eqNull')
				: undefined;
		}
		if (path.startsWith('identities/')) return ops('eq');
		if (path.includes('/')) return undefined;
		if (path === 'id') return ops('eq', 'ne', 'not', 'in');
		if (
			BOOLEAN_USER_PROPERTIES.has(path) ||
			['userType', 'creationType', 'externalUserState'].includes(path)
		)
			return ops('eq', 'ne', 'not', 'in', 'eqNull');
		if (path === 'userPrincipalName')
			return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'endsWith');
		if (path === 'mail')
			return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'endsWith', 'eqNull');
		if (path === 'department') return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'eqNull');
		if (DATE_USER_PROPERTIES.has(path)) return ops('eq', 'ne', 'not', 'in', 'ge', 'le');
		if (path === 'otherMails' || path === 'proxyAddresses')
			return ops('any', 'eq', 'not', 'ge', 'le', 'startsWith', 'endsWith');
		if (path === 'businessPhones' || path === 'imAddresses')
			return ops('any', 'eq', 'not', 'startsWith');
		if (path === 'assignedLicenses' || path === 'identities') return ops('any', 'eq');
		if (isExtensionProperty(path)) return ops('eq', 'ne', 'eqNull');
		if (SINGLE_USER_ONLY_PROPERTIES.has(path)) return new Set();
		return isKnownUserProperty(path, tenant) ? STRING_OPS : undefined;
	},
});

const GROUP_PROPERTIES = [
	'id',
	'displayName',
	'description',
	'mailNickname',
	'mail',
	'mailEnabled',
	'securityEnabled',
	'groupTypes',
	'createdDateTime',
	'visibility',
];
const DEFAULT_GROUP_PROPERTIES = GROUP_PROPERTIES;

const groupFilterPolicy: FilterPolicy = {
	resource: 'Group',
	kind(path) {
		if (path === 'mailEnabled' || path === 'securityEnabled') return 'boolean';
		if (path === 'groupTypes') return 'collection';
		return 'string';
	},
	operators(path) {
		if (path === 'id') return ops('eq', 'ne', 'not', 'in');
		if (path === 'displayName' || path === 'mailNickname')
			return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'eqNull');
		if (path === 'mail')
			return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'endsWith', 'eqNull');
		if (path === 'mailEnabled' || path === 'securityEnabled') return ops('eq', 'ne', 'not', 'in');
		if (path === 'groupTypes') return ops('any', 'eq');
		if (path === 'description')
			return ops('eq', 'ne', 'not', 'in', 'ge', 'le', 'startsWith', 'eqNull');
		return undefined;
	},
};

interface DeltaState {
	/** tenant */
	t: string;
	/** run instance */
	i: string;
	/** delta generation at issue */
	g: number;
	/** issued at (ms) */
	at: number;
	/** selected properties, or null = default set */
	s: string[] | null;
	/** changes after this version (0 = initial round) */
	from: number;
	/** round snapshot version */
	to?: number;
	/** page cursor: last id returned */
	c?: string;
	/** ids from $filter=id eq '…' */
	f?: string[];
}

export class GraphService {
	constructor(
		private readonly directory: DirectoryStore,
		private readonly tokens: TokenStore,
		private readonly options: GraphOptions,
	) {}

	handle(req: FakeRequest): FakeResponse {
		try {
			return this.route(req);
		} catch (error) {
			if (error instanceof GraphError)
				return graphError(req, error.status, error.code, error.message, error.headers);
			if (error instanceof FilterError) return graphError(req, 400, error.code, error.message);
			const message = `FAKE BUG: Graph ${req.method} ${req.path} failed: ${(error as Error).stack ?? String(error)}`;
			console.error(message);
			req.log.errors.push(message);
			return graphError(req, 500, 'generalException', 'The fake Graph failed (see its log).');
		}
	}

	private route(req: FakeRequest): FakeResponse {
		const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
		if (segments[0] !== 'v1.0')
			throw new GraphError(400, 'BadRequest', `Invalid version: ${segments[0]}`);
		const rest = segments.slice(1);
		const { tenant, app } = this.authenticate(req);
		const method = req.method;
		if (rest.length === 0 && method === 'GET') {
			return graphOk(req, {
				'@odata.context': `${req.baseUrl}/v1.0/$metadata`,
				value: ['users', 'groups', 'organization'].map((name) => ({
					name,
					kind: 'EntitySet',
					url: name,
				})),
			});
		}
		const [collection, id, sub, cast, ...extra] = rest;
		if (collection === 'organization' && rest.length === 1 && method === 'GET')
			return this.organization(req, tenant);
		if (collection === 'users') {
			if (rest.length === 1 && method === 'GET') return this.listUsers(req, tenant, app);
			if (rest.length === 2 && id === '$count' && method === 'GET')
				return this.countUsers(req, tenant, app);
			if (rest.length === 2 && (id === 'delta' || id === 'delta()') && method === 'GET')
				return this.delta(req, tenant, app);
			if (rest.length === 2 && method === 'GET') return this.getUser(req, tenant, app, id);
			if (rest.length === 2 && method === 'PATCH') return this.patchUser(req, tenant, app, id);
			if (rest.length === 2)
				throw new GraphError(
					405,
					'Request_BadRequest',
					`The HTTP method '${method}' is not allowed for this resource.`,
				);
		}
		if (collection === 'groups') {
			if (rest.length === 1 && method === 'GET') return this.listGroups(req, tenant, app);
			if (rest.length === 2 && method === 'GET') return this.getGroup(req, tenant, app, id);
			if (
				(sub === 'members' || sub === 'transitiveMembers') &&
				(rest.length === 3 || rest.length === 4) &&
				extra.length === 0 &&
				method === 'GET'
			) {
				if (
					cast !== undefined &&
					cast !== 'microsoft.graph.user' &&
					cast !== 'microsoft.graph.group'
				) {
					throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${cast}'.`);
				}
				return this.members(req, tenant, app, id, sub === 'transitiveMembers', cast);
			}
		}
		throw new GraphError(
			400,
			'BadRequest',
			`Resource not found for the segment '${rest[rest.length - 1] ?? ''}'.`,
		);
	}

	/** The caller's tenant and app for a Graph resource served elsewhere (subscriptions), or Graph's error response. */
	authorize(req: FakeRequest): { tenant: Tenant; app: StoredApp } | FakeResponse {
		try {
			return this.authenticate(req);
		} catch (error) {
			if (error instanceof GraphError)
				return graphError(req, error.status, error.code, error.message, error.headers);
			throw error;
		}
	}

	private authenticate(req: FakeRequest): { tenant: Tenant; app: StoredApp } {
		const check = this.tokens.use(header(req, 'authorization'), this.options.faults());
		const wwwAuthenticate = {
			'www-authenticate': `Bearer realm="", authorization_uri="${req.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
		};
		if (!check.ok) {
			req.log.errors.push(`token ${check.reason}`);
			const message =
				check.reason === 'missing'
					? 'Access token is empty.'
					: check.reason === 'expired' || check.reason === 'revoked'
						? 'Lifetime validation failed, the token is expired.'
						: check.reason === 'malformed'
							? 'Access token validation failure. Invalid audience.'
							: 'IDX14100: JWT is not well formed, there are no dots (.).';
			throw new GraphError(401, 'InvalidAuthenticationToken', message, wwwAuthenticate);
		}
		const tenant = this.directory.tenants.get(check.token.tenantId);
		const app = tenant?.apps.get(check.token.clientId);
		if (!tenant || !app)
			throw new GraphError(
				401,
				'InvalidAuthenticationToken',
				'Access token validation failure.',
				wwwAuthenticate,
			);
		req.log.auth = app.clientId;
		if (!app.consented)
			throw new GraphError(
				403,
				'Authorization_RequestDenied',
				'Insufficient privileges to complete the operation.',
			);
		return { tenant, app };
	}

	private requireRole(app: StoredApp, roles: string[]): void {
		if (!app.roles.some((role) => roles.includes(role))) {
			throw new GraphError(
				403,
				'Authorization_RequestDenied',
				'Insufficient privileges to complete the operation.',
			);
		}
	}

	private organization(req: FakeRequest, tenant: Tenant): FakeResponse {
		return graphOk(req, {
			'@odata.context': `${req.baseUrl}/v1.0/$metadata#organization`,
			value: [
				{
					id: tenant.id,
					displayName: tenant.displayName,
					verifiedDomains: tenant.domains.map((name, index) => ({
						name,
						isDefault: index === 0,
						isInitial: name.endsWith('.onmicrosoft.com'),
						type: 'Managed',
						capabilities: 'Email, OfficeCommunicationsOnline',
					})),
				},
			],
		});
	}

	// ---------- query options ----------

	private checkQueryOptions(req: FakeRequest, allowed: string[]): void {
		for (const key of req.query.keys()) {
			if (!key.startsWith('$')) continue;
			if (key === '$skip')
				throw new GraphError(400, 'Request_BadRequest', "'$skip' is not supported by the service.");
			if (!allowed.includes(key)) {
				if (
					[
						'$expand',
						'$orderby',
						'$search',
						'$filter',
						'$count',
						'$top',
						'$select',
						'$format',
						'$levels',
						'$apply',
						'$compute',
					].includes(key)
				) {
					throw new GraphError(
						400,
						'Request_UnsupportedQuery',
						`The query option '${key}' is not supported on this resource.`,
					);
				}
				throw new GraphError(400, 'BadRequest', `The query parameter '${key}' is not supported.`);
			}
		}
	}

	private eventual(req: FakeRequest): boolean {
		return (header(req, 'consistencylevel') ?? '').toLowerCase() === 'eventual';
	}

	private top(req: FakeRequest): number {
		const raw = req.query.get('$top');
		if (raw === null) return DEFAULT_TOP;
		const top = /^\d+$/.test(raw) ? Number(raw) : NaN;
		if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
			throw new GraphError(
				400,
				'Request_BadRequest',
				`Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_TOP} inclusive.`,
			);
		}
		return top;
	}

	private userSelect(req: FakeRequest, tenant: Tenant, collection: boolean): string[] | null {
		const raw = req.query.get('$select');
		if (raw === null || raw.trim() === '') return null;
		const props = raw
			.split(',')
			.map((p) => p.trim())
			.filter(Boolean);
		for (const prop of props) {
			if (prop === '*') continue;
			if (collection && SINGLE_USER_ONLY_PROPERTIES.has(prop)) {
				throw new GraphError(
					501,
					'NotImplemented',
					`This operation target is not yet supported. '${prop}' can only be selected on a single user.`,
				);
			}
			if (!isKnownUserProperty(prop, tenant) && !SINGLE_USER_ONLY_PROPERTIES.has(prop)) {
				throw new GraphError(
					400,
					'Request_BadRequest',
					`Could not find a property named '${prop}' on type 'microsoft.graph.user'.`,
				);
			}
		}
		return props.includes('*') ? null : props;
	}

	private groupSelect(req: FakeRequest, extraUserProps?: Tenant): string[] | null {
		const raw = req.query.get('$select');
		if (raw === null || raw.trim() === '') return null;
		const props = raw
			.split(',')
			.map((p) => p.trim())
			.filter(Boolean);
		for (const prop of props) {
			if (GROUP_PROPERTIES.includes(prop)) continue;
			if (extraUserProps && isKnownUserProperty(prop, extraUserProps)) continue;
			throw new GraphError(
				400,
				'Request_BadRequest',
				`Could not find a property named '${prop}' on type 'microsoft.graph.group'.`,
			);
		}
		return props;
	}

	private filter(
		req: FakeRequest,
		policy: FilterPolicy,
	): { node: FilterNode | null; advanced: boolean } {
		const raw = req.query.get('$filter');
		if (raw === null) return { node: null, advanced: false };
		const node = parseFilter(raw);
		return { node, advanced: analyzeFilter(node, policy).advanced };
	}

	private search(req: FakeRequest): ((record: Record<string, unknown>) => boolean) | null {
		const raw = req.query.get('$search');
		if (raw === null) return null;
		if (!this.eventual(req)) {
			throw new GraphError(
				400,
				'Request_UnsupportedQuery',
				"Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
			);
		}
		const clauses = raw.split(/\s+(AND|OR)\s+/);
		const parsed: Array<{ prop: string; term: string } | 'AND' | 'OR'> = [];
		for (const clause of clauses) {
			if (clause === 'AND' || clause === 'OR') {
				parsed.push(clause);
				continue;
			}
			const match = /^"([A-Za-z]+):([^"]*)"$/.exec(clause.trim());
			if (!match)
				throw new GraphError(
					400,
					'Request_UnsupportedQuery',
					`Syntax error: character '${clause.trim()[0] ?? ''}' is not valid at position 0 in '${raw}'.`,
				);
			parsed.push({ prop: match[1], term: match[2].toLowerCase() });
		}
		const matches = (record: Record<string, unknown>, clause: { prop: string; term: string }) => {
			const value = record[clause.prop];
			if (typeof value !== 'string') return false;
			const lower = value.toLowerCase();
			return (
				lower.startsWith(clause.term) ||
				lower.split(/[\s.@_-]+/).some((token) => token.startsWith(clause.term))
			);
		};
		return (record) => {
			let result = matches(record, parsed[0] as { prop: string; term: string });
			for (let i = 1; i < parsed.length; i += 2) {
				const next = matches(record, parsed[i + 1] as { prop: string; term: string });
				result = parsed[i] === 'AND' ? result && next : result || next;
			}
			return result;
		};
	}

	/** Advanced query rule: ne/not/endsWith (and casts) need ConsistencyLevel: eventual AND $count=true. */
	private requireAdvanced(req: FakeRequest, needed: boolean, what = 'Unsupported Query.'): void {
		if (needed && !(this.eventual(req) && req.query.get('$count') === 'true')) {
			throw new GraphError(400, 'Request_UnsupportedQuery', what);
		}
	}

	private page<T>(
		req: FakeRequest,
		items: T[],
		top: number,
		project: (item: T) => Record<string, unknown>,
		context: string,
	): FakeResponse {
		const skiptoken = req.query.get('$skiptoken');
		let offset = 0;
		if (skiptoken !== null) {
			const decoded = base64UrlDecodeJson<{ o?: unknown }>(skiptoken);
			if (!decoded || typeof decoded.o !== 'number' || decoded.o < 0) {
				throw new GraphError(
					400,
					'Directory_ExpiredPageToken',
					'The specified page token value has expired and can no longer be included in your request.',
				);
			}
			offset = decoded.o;
		}
		const slice = items.slice(offset, offset + top);
		const body: Record<string, unknown> = { '@odata.context': context };
		if (skiptoken === null && req.query.get('$count') === 'true' && this.eventual(req))
			body['@odata.count'] = items.length;
		if (offset + top < items.length) {
			const next: Array<[string, string]> = [...req.query].filter(([key]) => key !== '$skiptoken');
			next.push(['$skiptoken', base64UrlEncodeJson({ o: offset + top })]);
			body['@odata.nextLink'] =
				`${req.baseUrl}${req.path}?${next.map(([k, v]) => `${encodeQueryPart(k)}=${encodeQueryPart(v)}`).join('&')}`;
		}
		body.value = slice.map(project);
		return graphOk(req, body);
	}

	// ---------- users ----------

	private listUsers(req: FakeRequest, tenant: Tenant, app: StoredApp): FakeResponse {
		this.requireRole(app, USER_READ_ROLES);
		this.checkQueryOptions(req, [
			'$select',
			'$filter',
			'$top',
			'$count',
			'$search',
			'$orderby',
			'$skiptoken',
		]);
		const select = this.userSelect(req, tenant, true);
		const top = this.top(req);
		const { node, advanced } = this.filter(req, userFilterPolicy(tenant));
		this.requireAdvanced(req, advanced);
		const search = this.search(req);
		let users = [...tenant.users.values()].map((u) => u.data as Record<string, unknown>);
		if (node) users = users.filter((u) => evaluateFilter(node, u));
		if (search) users = users.filter(search);
		users = this.orderBy(req, users, node !== null);
		return this.page(
			req,
			users,
			top,
			(u) => projectUser(u, select, false),
			`${req.baseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}`,
		);
	}

	private orderBy(
		req: FakeRequest,
		items: Array<Record<string, unknown>>,
		filtered: boolean,
	): Array<Record<string, unknown>> {
		const raw = req.query.get('$orderby');
		if (raw === null) return items;
		const match = /^\s*(\w+)(\s+(asc|desc))?\s*$/.exec(raw);
		if (!match) throw new GraphError(400, 'BadRequest', `Invalid $orderby expression '${raw}'.`);
		const prop = match[1];
		const defaultSortable = prop === 'displayName' || prop === 'userPrincipalName';
		if (filtered || !defaultSortable)
			this.requireAdvanced(req, true, 'Sorting not supported for current query.');
		const direction = match[3] === 'desc' ? -1 : 1;
		return [...items].sort(
			(a, b) => direction * String(a[prop] ?? '').localeCompare(String(b[prop] ?? '')),
		);
	}

	private countUsers(req: FakeRequest, tenant: Tenant, app: StoredApp): FakeResponse {
		this.requireRole(app, USER_READ_ROLES);
		if (!this.eventual(req))
			throw new GraphError(400, 'Request_BadRequest', '$count is not currently supported.');
		this.checkQueryOptions(req, ['$filter', '$search']);
		const { node } = this.filter(req, userFilterPolicy(tenant));
		const search = this.search(req);
		let users = [...tenant.users.values()].map((u) => u.data as Record<string, unknown>);
		if (node) users = users.filter((u) => evaluateFilter(node, u));
		if (search) users = users.filter(search);
		return {
			status: 200,
			body: String(users.length),
			contentType: 'text/plain',
			headers: graphHeaders(req),
		};
	}

	private findUserOr404(tenant: Tenant, id: string): StoredUser {
		const user = this.directory.findUser(tenant, id);
		if (!user) {
			throw new GraphError(
				404,
				'Request_ResourceNotFound',
				`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
			);
		}
		return user;
	}

	private getUser(req: FakeRequest, tenant: Tenant, app: StoredApp, id: string): FakeResponse {
		this.requireRole(app, USER_READ_ROLES);
		this.checkQueryOptions(req, ['$select', '$expand']);
		if (req.query.has('$expand'))
			throw new GraphError(
				400,
				'Request_UnsupportedQuery',
				'The fake Graph does not implement $expand.',
			);
		const user = this.findUserOr404(tenant, id);
		const select = this.userSelect(req, tenant, false);
		return graphOk(req, {
			'@odata.context': `${req.baseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
			...projectUser(user.data, select, false),
		});
	}

	private patchUser(req: FakeRequest, tenant: Tenant, app: StoredApp, id: string): FakeResponse {
		const parsed = parseJsonBody(req);
		if (parsed.kind === 'empty')
			throw new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
		if (parsed.kind === 'invalid')
			throw new GraphError(400, 'BadRequest', `Invalid JSON. ${parsed.message}`);
		const body = parsed.value;
		if (body === null || typeof body !== 'object' || Array.isArray(body)) {
			throw new GraphError(400, 'BadRequest', 'Invalid request body: a JSON object is expected.');
		}
		const changes = body as Record<string, unknown>;
		const keys = Object.keys(changes);
		const phoneOnly =
			keys.length > 0 && keys.every((k) => k === 'businessPhones' || k === 'mobilePhone');
		this.requireRole(
			app,
			phoneOnly ? [...USER_WRITE_ROLES, ...PHONE_WRITE_ROLES] : USER_WRITE_ROLES,
		);
		const user = this.findUserOr404(tenant, id);
		for (const key of keys) {
			if (key.startsWith('@odata.')) continue;
			if (READ_ONLY_USER_PROPERTIES.has(key)) {
				throw new GraphError(
					400,
					'Request_BadRequest',
					`Property '${key}' is read-only and cannot be set.`,
				);
			}
			if (!WRITABLE_USER_PROPERTIES.has(key) && !isExtensionProperty(key)) {
				throw new GraphError(400, 'Request_BadRequest', `Invalid property '${key}'.`);
			}
			validateUserValue(key, changes[key]);
		}
		if (user.data.onPremisesSyncEnabled === true) {
			const mastered = keys.filter((k) => ON_PREMISES_MASTERED.has(k));
			if (mastered.length > 0) {
				throw new GraphError(
					400,
					'Request_BadRequest',
					'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
				);
			}
		}
		const differing: Record<string, unknown> = {};
		for (const key of keys) {
			if (key.startsWith('@odata.')) continue;
			const before = user.data[key] ?? null;
			if (JSON.stringify(before) !== JSON.stringify(changes[key] ?? null))
				differing[key] = changes[key];
		}
		if (Object.keys(differing).length > 0) this.directory.updateUser(tenant, user, differing);
		return { status: 204, headers: graphHeaders(req) };
	}

	// ---------- delta ----------

	private delta(req: FakeRequest, tenant: Tenant, app: StoredApp): FakeResponse {
		this.requireRole(app, USER_READ_ROLES);
		for (const key of req.query.keys()) {
			if (['$expand', '$orderby', '$search', '$count'].includes(key)) {
				throw new GraphError(
					400,
					'Request_UnsupportedQuery',
					`The query option '${key}' is not supported with delta queries.`,
				);
			}
			if (key === '$top')
				req.log.warnings.push('$top is not supported on users/delta (page size is server-chosen)');
		}
		const deltatoken = req.query.get('$deltatoken');
		const skiptoken = req.query.get('$skiptoken');
		let state: DeltaState;
		if (
			skiptoken !== null ||
			(deltatoken !== null && deltatoken !== '' && deltatoken !== 'latest')
		) {
			if (req.query.has('$select'))
				req.log.warnings.push(
					'$select was sent again with a delta/skip token (query options belong to the first request only)',
				);
			state = this.readDeltaToken(req, tenant, (skiptoken ?? deltatoken) as string);
		} else {
			const select = this.userSelect(req, tenant, true);
			const idFilter = this.deltaIdFilter(req);
			state = {
				t: tenant.id,
				i: this.options.instanceId(),
				g: tenant.deltaGeneration,
				at: Date.now(),
				s: select,
				from: 0,
				...(idFilter ? { f: idFilter } : {}),
			};
			if (deltatoken === 'latest') {
				return graphOk(req, {
					'@odata.context': `${req.baseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}`,
					'@odata.deltaLink': this.deltaLink(req, { ...state, from: tenant.version }),
					value: [],
				});
			}
		}
		const to = state.to ?? tenant.version;
		const tracked = state.s ?? DEFAULT_USER_PROPERTIES;
		const minimal = /return=minimal/i.test(header(req, 'prefer') ?? '');
		type Item = { id: string; body: Record<string, unknown> };
		const items: Item[] = [];
		const inScope = (id: string) => !state.f || state.f.includes(id);
		for (const user of tenant.users.values()) {
			if (!inScope(user.data.id)) continue;
			if (state.from === 0) {
				items.push({ id: user.data.id, body: projectUser(user.data, state.s, true) });
				continue;
			}
			const changedProps = tracked.filter((p) => (user.propVersions[p] ?? 0) > state.from);
			if (user.createdVersion > state.from || changedProps.length > 0) {
				const body =
					minimal && user.createdVersion <= state.from
						? projectUser(user.data, ['id', ...changedProps], true)
						: projectUser(user.data, state.s, true);
				items.push({ id: user.data.id, body });
			}
		}
		if (state.from > 0) {
			for (const tomb of tenant.tombstones) {
				if (tomb.version > state.from && !tenant.users.has(tomb.id) && inScope(tomb.id)) {
					items.push({ id: tomb.id, body: { id: tomb.id, '@removed': { reason: tomb.reason } } });
				}
			}
		}
		items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
		const remaining = state.c ? items.filter((item) => item.id > (state.c as string)) : items;
		const pageSize = this.options.deltaPageSize();
		const pageItems = remaining.slice(0, pageSize);
		const body: Record<string, unknown> = {
			'@odata.context': `${req.baseUrl}/v1.0/$metadata#users${state.s ? `(${state.s.join(',')})` : ''}`,
		};
		if (remaining.length > pageSize) {
			const next: DeltaState = { ...state, to, c: pageItems[pageItems.length - 1].id };
			body['@odata.nextLink'] =
				`${req.baseUrl}/v1.0/users/delta?$skiptoken=${base64UrlEncodeJson(next)}`;
		} else {
			body['@odata.deltaLink'] = this.deltaLink(req, {
				t: state.t,
				i: state.i,
				g: state.g,
				at: Date.now(),
				s: state.s,
				from: to,
				...(state.f ? { f: state.f } : {}),
			});
		}
		body.value = pageItems.map((item) => item.body);
		return graphOk(req, body);
	}

	/** users/delta accepts only `id eq '…'` clauses joined by `or` (at most 50). */
	private deltaIdFilter(req: FakeRequest): string[] | undefined {
		const raw = req.query.get('$filter');
		if (raw === null) return undefined;
		const node = parseFilter(raw);
		const ids: string[] = [];
		const collect = (n: FilterNode): boolean => {
			if (n.kind === 'or') return collect(n.left) && collect(n.right);
			if (n.kind === 'compare' && n.op === 'eq' && n.path === 'id' && typeof n.value === 'string') {
				ids.push(n.value.toLowerCase());
				return true;
			}
			return false;
		};
		if (!collect(node) || ids.length > 50) {
			throw new GraphError(
				400,
				'Request_UnsupportedQuery',
				"Only up to 50 'id eq' clauses joined by 'or' are supported in $filter on users/delta.",
			);
		}
		return ids;
	}

	private deltaLink(req: FakeRequest, state: DeltaState): string {
		const token: DeltaState = {
			t: state.t,
			i: state.i,
			g: state.g,
			at: state.at,
			s: state.s,
			from: state.from,
			...(state.f ? { f: state.f } : {}),
		};
		return `${req.baseUrl}/v1.0/users/delta?$deltatoken=${base64UrlEncodeJson(token)}`;
	}

	private readDeltaToken(req: FakeRequest, tenant: Tenant, token: string): DeltaState {
		const state = base64UrlDecodeJson<DeltaState>(token);
		const expired = (reason: 'expired' | 'resync') => {
			const location = `${req.baseUrl}/v1.0/users/delta?$deltatoken=`;
			if (reason === 'resync' || this.options.deltaExpiredResponse() === 'gone') {
				return new GraphError(
					410,
					'resyncRequired',
					'Resync required. Replace any local cached copies of the directory objects with the results of a full synchronization.',
					{ location },
				);
			}
			return new GraphError(
				400,
				'syncStateNotFound',
				'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
			);
		};
		if (
			!state ||
			typeof state.from !== 'number' ||
			typeof state.g !== 'number' ||
			typeof state.at !== 'number'
		) {
			throw new GraphError(400, 'BadRequest', 'Badly formed token.');
		}
		if (state.t !== tenant.id)
			throw new GraphError(400, 'BadRequest', 'Badly formed token: it belongs to another tenant.');
		if (state.i !== this.options.instanceId()) throw expired('expired');
		if (state.g < tenant.deltaGeneration) {
			const expiry = tenant.deltaExpiries.find((e) => e.generation >= state.g);
			throw expired(expiry?.reason ?? 'expired');
		}
		if (Date.now() - state.at > this.options.deltaTokenMaxAgeSeconds() * 1000)
			throw expired('expired');
		return state;
	}

	// ---------- groups ----------

	private listGroups(req: FakeRequest, tenant: Tenant, app: StoredApp): FakeResponse {
		this.requireRole(app, GROUP_READ_ROLES);
		this.checkQueryOptions(req, [
			'$select',
			'$filter',
			'$top',
			'$count',
			'$search',
			'$skiptoken',
			'$orderby',
		]);
		const select = this.groupSelect(req);
		const top = this.top(req);
		const { node, advanced } = this.filter(req, groupFilterPolicy);
		this.requireAdvanced(req, advanced);
		const search = this.search(req);
		let groups = [...tenant.groups.values()].map((g) => groupRecord(g));
		if (node) groups = groups.filter((g) => evaluateFilter(node, g));
		if (search) groups = groups.filter(search);
		groups = this.orderBy(req, groups, node !== null);
		return this.page(
			req,
			groups,
			top,
			(g) => project(g, select ?? DEFAULT_GROUP_PROPERTIES, false),
			`${req.baseUrl}/v1.0/$metadata#groups`,
		);
	}

	private findGroupOr404(tenant: Tenant, id: string): StoredGroup {
		const group = tenant.groups.get(id.toLowerCase());
		if (!group)
			throw new GraphError(
				404,
				'Request_ResourceNotFound',
				`Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
			);
		return group;
	}

	private getGroup(req: FakeRequest, tenant: Tenant, app: StoredApp, id: string): FakeResponse {
		this.requireRole(app, GROUP_READ_ROLES);
		this.checkQueryOptions(req, ['$select']);
		const group = this.findGroupOr404(tenant, id);
		const select = this.groupSelect(req);
		return graphOk(req, {
			'@odata.context': `${req.baseUrl}/v1.0/$metadata#groups/$entity`,
			...project(groupRecord(group), select ?? DEFAULT_GROUP_PROPERTIES, false),
		});
	}

	private members(
		req: FakeRequest,
		tenant: Tenant,
		app: StoredApp,
		groupId: string,
		transitive: boolean,
		cast: string | undefined,
	): FakeResponse {
		this.requireRole(app, GROUP_READ_ROLES);
		this.checkQueryOptions(req, [
			'$select',
			'$top',
			'$count',
			'$skiptoken',
			'$filter',
			'$search',
			'$orderby',
		]);
		const group = this.findGroupOr404(tenant, groupId);
		const top = this.top(req);
		const select = this.groupSelect(req, tenant);
		if (cast)
			this.requireAdvanced(
				req,
				true,
				'The requested cast is only supported with advanced query capabilities (ConsistencyLevel: eventual and $count=true).',
			);
		const { node } = this.filter(
			req,
			cast === 'microsoft.graph.group' ? groupFilterPolicy : userFilterPolicy(tenant),
		);
		this.requireAdvanced(req, node !== null, 'Unsupported Query.');
		const search = this.search(req);
		const ids = transitive ? this.directory.transitiveMembers(tenant, group) : group.members;
		const canReadUsers = app.roles.some((r) => USER_READ_ROLES.includes(r));
		type Member = { type: 'user' | 'group'; record: Record<string, unknown> };
		let members: Member[] = [];
		for (const id of ids) {
			const user = tenant.users.get(id);
			if (user) members.push({ type: 'user', record: user.data });
			const nested = tenant.groups.get(id);
			if (nested) members.push({ type: 'group', record: groupRecord(nested) });
		}
		if (cast === 'microsoft.graph.user') members = members.filter((m) => m.type === 'user');
		if (cast === 'microsoft.graph.group') members = members.filter((m) => m.type === 'group');
		if (node) members = members.filter((m) => evaluateFilter(node, m.record));
		if (search) members = members.filter((m) => search(m.record));
		const context = `${req.baseUrl}/v1.0/$metadata#${cast === 'microsoft.graph.user' ? 'users' : cast === 'microsoft.graph.group' ? 'groups' : 'directoryObjects'}`;
		return this.page(
			req,
			members,
			top,
			(m) => {
				const typeTag = cast ? {} : { '@odata.type': `#microsoft.graph.${m.type}` };
				if (m.type === 'user') {
					if (!canReadUsers) {
						const limited: Record<string, unknown> = { ...typeTag, id: m.record.id };
						for (const prop of select ?? DEFAULT_USER_PROPERTIES)
							if (prop !== 'id') limited[prop] = null;
						return limited;
					}
					return { ...typeTag, ...projectUser(m.record, select, false) };
				}
				return { ...typeTag, ...project(m.record, select ?? DEFAULT_GROUP_PROPERTIES, false) };
			},
			context,
		);
	}
}

/** Like Graph's links: `$`, `,`, `(`, `)` and `'` stay readable, everything else is percent-encoded. */
function encodeQueryPart(text: string): string {
	return encodeURIComponent(text).replace(/%24/g, '$').replace(/%2C/g, ',');
}

function groupRecord(group: StoredGroup): Record<string, unknown> {
	return {
		id: group.id,
		displayName: group.displayName,
		description: group.description,
		mailNickname: group.mailNickname,
		mail: group.mailEnabled ? `${group.mailNickname}@example.invalid` : null,
		mailEnabled: group.mailEnabled,
		securityEnabled: group.securityEnabled,
		groupTypes: [],
		visibility: null,
	};
}

/** Selected properties (id always); unset ones are null in lists, omitted in delta. */
function project(
	record: Record<string, unknown>,
	props: string[],
	omitUnset: boolean,
): Record<string, unknown> {
	const out: Record<string, unknown> = { id: record.id };
	for (const prop of props) {
		if (prop === 'id') continue;
		const value = record[prop];
		if (value === undefined) {
			if (!omitUnset) out[prop] = null;
		} else {
			out[prop] = structuredClone(value);
		}
	}
	return out;
}

function projectUser(
	record: Record<string, unknown>,
	select: string[] | null,
	omitUnset: boolean,
): Record<string, unknown> {
	return project(record, select ?? DEFAULT_USER_PROPERTIES, omitUnset);
}

function validateUserValue(key: string, value: unknown): void {
	const invalid = () =>
		new GraphError(
			400,
			'Request_BadRequest',
			`Invalid value specified for property '${key}' of resource 'User'.`,
		);
	if (key === 'displayName' && (value === null || value === '')) throw invalid();
	if (value === null) return;
	if (key === 'accountEnabled' || key === 'showInAddressList') {
		if (typeof value !== 'boolean') throw invalid();
		return;
	}
	if (key === 'businessPhones') {
		if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid();
		if (value.length > 1) throw invalid();
		return;
	}
	if (key === 'otherMails' || key === 'proxyAddresses') {
		if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid();
		return;
	}
	if (['onPremisesExtensionAttributes', 'employeeOrgData', 'passwordProfile'].includes(key)) {
		if (typeof value !== 'object' || Array.isArray(value)) throw invalid();
		return;
	}
	if (typeof value !== 'string') throw invalid();
	if (key === 'mobilePhone' && value.length > 64) throw invalid();
	if (key === 'employeeId' && value.length > 16) throw invalid();
	if (key === 'usageLocation' && !/^[A-Z]{2}$/.test(value)) throw invalid();
}

function graphHeaders(req: FakeRequest): Record<string, string> {
	const headers: Record<string, string> = { 'request-id': req.requestId };
	const clientRequestId = header(req, 'client-request-id');
	if (clientRequestId) headers['client-request-id'] = clientRequestId;
	return headers;
}

function graphOk(req: FakeRequest, body: Record<string, unknown>): FakeResponse {
	return {
		status: 200,
		body,
		headers: graphHeaders(req),
		contentType:
			'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
	};
}

export function graphError(
	req: FakeRequest,
	status: number,
	code: string,
	message: string,
	extraHeaders: Record<string, string> = {},
): FakeResponse {
	return {
		status,
		headers: { ...graphHeaders(req), ...extraHeaders },
		contentType: 'application/json',
		body: {
			error: {
				code,
				message,
				innerError: {
					date: new Date().toISOString().replace(/\.\d+Z$/, ''),
					'request-id': req.requestId,
					'client-request-id': header(req, 'client-request-id') ?? randomUUID(),
				},
			},
		},
	};
}
