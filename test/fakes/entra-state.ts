/**
 * The fake directory: tenants, app registrations, users, groups and the change journal that
 * /users/delta reads. Every change bumps the tenant's version; a user remembers the version at
 * which each property last changed, so a delta round can tell whether a *selected* property changed.
 */
import { createRandom, randomUuid, type Random } from './prng';
import type { SeedApp, SeedGroup, SeedTenant, SeedUser } from './types';

export interface StoredUser {
	data: Record<string, unknown> & { id: string };
	createdVersion: number;
	propVersions: Record<string, number>;
}

export interface Tombstone {
	id: string;
	reason: 'changed' | 'deleted';
	version: number;
}

export interface StoredGroup {
	id: string;
	displayName: string;
	description: string | null;
	mailNickname: string;
	mailEnabled: boolean;
	securityEnabled: boolean;
	members: string[];
}

export interface StoredApp {
	clientId: string;
	displayName: string;
	secret?: string;
	certificates: string[];
	consented: boolean;
	roles: string[];
}

export interface DeltaExpiry {
	/** Tokens issued before this generation fail with this reason. */
	generation: number;
	reason: 'expired' | 'resync';
}

export interface Tenant {
	id: string;
	displayName: string;
	domains: string[];
	apps: Map<string, StoredApp>;
	users: Map<string, StoredUser>;
	deletedUsers: Map<string, StoredUser>;
	groups: Map<string, StoredGroup>;
	version: number;
	tombstones: Tombstone[];
	deltaGeneration: number;
	deltaExpiries: DeltaExpiry[];
}

/** A user change, as change notifications (graph-subscriptions.ts) see it. */
export type DirectoryEvent = {
	tenantId: string;
	userId: string;
	changeType: 'created' | 'updated' | 'deleted';
};

export const DEFAULT_APP_ROLES = ['User.ReadWrite.All', 'GroupMember.Read.All', 'Group.Read.All'];

/** Properties that on-premises AD masters for synced users (write-back is rejected for them). */
export const ON_PREMISES_MASTERED = new Set([
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

/** Properties a PATCH may set on a cloud user (besides directory extensions `extension_*`). */
export const WRITABLE_USER_PROPERTIES = new Set([
	...ON_PREMISES_MASTERED,
	'employeeOrgData',
	'preferredLanguage',
	'usageLocation',
	'ageGroup',
	'consentProvidedForMinor',
	'showInAddressList',
	'passwordProfile',
]);

export const READ_ONLY_USER_PROPERTIES = new Set([
	'id',
	'createdDateTime',
	'creationType',
	'deletedDateTime',
	'externalUserState',
	'lastPasswordChangeDateTime',
	'onPremisesDistinguishedName',
	'onPremisesDomainName',
	'onPremisesImmutableId',
	'onPremisesLastSyncDateTime',
	'onPremisesSamAccountName',
	'onPremisesSecurityIdentifier',
	'onPremisesSyncEnabled',
	'onPremisesUserPrincipalName',
	'userType',
	'identities',
	'assignedLicenses',
	'imAddresses',
	'securityIdentifier',
]);

/** Returned by GET /users when no $select is given. */
export const DEFAULT_USER_PROPERTIES = [
	'businessPhones',
	'displayName',
	'givenName',
	'jobTitle',
	'mail',
	'mobilePhone',
	'officeLocation',
	'preferredLanguage',
	'surname',
	'userPrincipalName',
	'id',
];

/** Stored outside the directory: 501 when $select-ed on a collection. */
export const SINGLE_USER_ONLY_PROPERTIES = new Set([
	'aboutMe',
	'birthday',
	'hireDate',
	'interests',
	'mySite',
	'pastProjects',
	'preferredName',
	'responsibilities',
	'schools',
	'skills',
	'mailboxSettings',
]);

export const KNOWN_USER_PROPERTIES = new Set([
	...DEFAULT_USER_PROPERTIES,
	...WRITABLE_USER_PROPERTIES,
	...READ_ONLY_USER_PROPERTIES,
	'preferredDataLocation',
	'signInActivity',
	'manager',
]);

export function isExtensionProperty(name: string): boolean {
	return /^extension_[0-9a-f]{32}_\w+$/i.test(name);
}

export function isKnownUserProperty(name: string, tenant?: Tenant): boolean {
	if (KNOWN_USER_PROPERTIES.has(name) || isExtensionProperty(name)) return true;
	if (!tenant) return false;
	for (const user of tenant.users.values()) if (name in user.data) return true;
	return false;
}

export class DirectoryStore {
	/** Called after every user change made through the store (not for seeding): change notifications. */
	readonly listeners: Array<(event: DirectoryEvent) => void> = [];
	private changed(tenant: Tenant, userId: string, changeType: DirectoryEvent['changeType']): void {
		for (const listener of this.listeners) listener({ tenantId: tenant.id, userId, changeType });
	}

	readonly tenants = new Map<string, Tenant>();
	private random: Random;

	constructor(tenants: SeedTenant[] = [], seed = 1) {
		this.random = createRandom(seed);
		this.replace(tenants);
	}

	/** Drop everything and load these tenants. */
	replace(tenants: SeedTenant[]): void {
		this.tenants.clear();
		for (const tenant of tenants) this.addTenant(tenant);
	}

	newId(): string {
		return randomUuid(this.random);
	}

	addTenant(seed: SeedTenant): Tenant {
		const tenant: Tenant = {
			id: seed.id.toLowerCase(),
			displayName: seed.displayName ?? 'Fake tenant',
			domains: (seed.domains ?? []).map((d) => d.toLowerCase()),
			apps: new Map(),
			users: new Map(),
			deletedUsers: new Map(),
			groups: new Map(),
			version: 1,
			tombstones: [],
			deltaGeneration: 0,
			deltaExpiries: [],
		};
		for (const app of seed.apps ?? [])
			tenant.apps.set(app.clientId.toLowerCase(), toStoredApp(app));
		for (const user of seed.users ?? []) this.insertUser(tenant, user);
		for (const user of seed.deletedUsers ?? []) {
			const stored = this.insertUser(tenant, user);
			tenant.users.delete(stored.data.id);
			tenant.deletedUsers.set(stored.data.id, stored);
		}
		for (const group of seed.groups ?? []) this.insertGroup(tenant, group);
		this.tenants.set(tenant.id, tenant);
		return tenant;
	}

	/** By tenant id (GUID) or any verified domain. */
	findTenant(idOrDomain: string): Tenant | undefined {
		const key = idOrDomain.toLowerCase();
		const byId = this.tenants.get(key);
		if (byId) return byId;
		for (const tenant of this.tenants.values()) if (tenant.domains.includes(key)) return tenant;
		return undefined;
	}

	defaultTenant(): Tenant | undefined {
		return this.tenants.values().next().value;
	}

	private insertUser(tenant: Tenant, seed: SeedUser): StoredUser {
		const id = (seed.id ?? this.newId()).toLowerCase();
		const domain = tenant.domains[0] ?? 'fake.onmicrosoft.com';
		const data: Record<string, unknown> & { id: string } = {
			...seed,
			id,
			userPrincipalName: seed.userPrincipalName ?? `${id.slice(0, 8)}@${domain}`,
		};
		if (data.businessPhones === undefined) data.businessPhones = [];
		tenant.version++;
		const propVersions: Record<string, number> = {};
		for (const key of Object.keys(data)) propVersions[key] = tenant.version;
		const stored: StoredUser = { data, createdVersion: tenant.version, propVersions };
		tenant.users.set(id, stored);
		return stored;
	}

	private insertGroup(tenant: Tenant, seed: SeedGroup): StoredGroup {
		const id = (seed.id ?? this.newId()).toLowerCase();
		const group: StoredGroup = {
			id,
			displayName: seed.displayName,
			description: seed.description ?? null,
			mailNickname:
				seed.mailNickname ?? seed.displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase(),
			mailEnabled: seed.mailEnabled ?? false,
			securityEnabled: seed.securityEnabled ?? true,
			members: (seed.members ?? []).map((m) => m.toLowerCase()),
		};
		tenant.groups.set(id, group);
		return group;
	}

	/** Find a live user by object id or userPrincipalName. */
	findUser(tenant: Tenant, idOrUpn: string): StoredUser | undefined {
		const key = idOrUpn.toLowerCase();
		const byId = tenant.users.get(key);
		if (byId) return byId;
		for (const user of tenant.users.values()) {
			if (String(user.data.userPrincipalName ?? '').toLowerCase() === key) return user;
		}
		return undefined;
	}

	createUser(tenant: Tenant, seed: SeedUser): StoredUser {
		const id = seed.id?.toLowerCase();
		if (id && (tenant.users.has(id) || tenant.deletedUsers.has(id))) {
			throw new Error(`user ${id} already exists`);
		}
		const created = this.insertUser(tenant, seed);
		this.changed(tenant, created.data.id, 'created');
		return created;
	}

	/** Apply property changes (null removes the property) and record them for delta. */
	updateUser(tenant: Tenant, user: StoredUser, changes: Record<string, unknown>): void {
		tenant.version++;
		for (const [key, value] of Object.entries(changes)) {
			if (key === 'id') continue;
			if (value === null || value === undefined) delete user.data[key];
			else user.data[key] = value;
			user.propVersions[key] = tenant.version;
		}
		this.changed(tenant, user.data.id, 'updated');
	}

	/** Soft delete (restorable, delta reason "changed") or hard delete (delta reason "deleted"). */
	deleteUser(tenant: Tenant, id: string, hard: boolean): boolean {
		const key = id.toLowerCase();
		const live = tenant.users.get(key);
		const softDeleted = tenant.deletedUsers.get(key);
		if (!live && !softDeleted) return false;
		tenant.version++;
		tenant.users.delete(key);
		if (hard) tenant.deletedUsers.delete(key);
		else if (live) tenant.deletedUsers.set(key, live);
		tenant.tombstones = tenant.tombstones.filter((t) => t.id !== key);
		tenant.tombstones.push({
			id: key,
			reason: hard ? 'deleted' : 'changed',
			version: tenant.version,
		});
		this.changed(tenant, key, 'deleted');
		return true;
	}

	/** Restore a soft-deleted user: it comes back in delta as a change. */
	restoreUser(tenant: Tenant, id: string): StoredUser | undefined {
		const key = id.toLowerCase();
		const user = tenant.deletedUsers.get(key);
		if (!user) return undefined;
		tenant.version++;
		tenant.deletedUsers.delete(key);
		tenant.users.set(key, user);
		tenant.tombstones = tenant.tombstones.filter((t) => t.id !== key);
		for (const prop of Object.keys(user.data)) user.propVersions[prop] = tenant.version;
		this.changed(tenant, key, 'updated');
		return user;
	}

	createGroup(tenant: Tenant, seed: SeedGroup): StoredGroup {
		return this.insertGroup(tenant, seed);
	}

	/** Direct members first, then members of nested groups (each object once); cycles are safe. */
	transitiveMembers(tenant: Tenant, group: StoredGroup): string[] {
		const seen = new Set<string>();
		const visitedGroups = new Set<string>([group.id]);
		const queue = [...group.members];
		const result: string[] = [];
		while (queue.length > 0) {
			const id = queue.shift() as string;
			if (seen.has(id)) continue;
			seen.add(id);
			result.push(id);
			const nested = tenant.groups.get(id);
			if (nested && !visitedGroups.has(nested.id)) {
				visitedGroups.add(nested.id);
				queue.push(...nested.members);
			}
		}
		return result;
	}

	/** Invalidate every delta token issued so far (admin API / tests). */
	expireDeltaTokens(tenant: Tenant, reason: 'expired' | 'resync'): void {
		tenant.deltaExpiries.push({ generation: tenant.deltaGeneration, reason });
		tenant.deltaGeneration++;
	}

	snapshot(): SeedTenant[] {
		return [...this.tenants.values()].map((tenant) => ({
			id: tenant.id,
			displayName: tenant.displayName,
			domains: [...tenant.domains],
			apps: [...tenant.apps.values()].map((app) => ({
				clientId: app.clientId,
				displayName: app.displayName,
				...(app.secret !== undefined ? { secret: app.secret } : {}),
				certificates: [...app.certificates],
				consented: app.consented,
				roles: [...app.roles],
			})),
			users: [...tenant.users.values()].map((u) => structuredClone(u.data)),
			deletedUsers: [...tenant.deletedUsers.values()].map((u) => structuredClone(u.data)),
			groups: [...tenant.groups.values()].map((g) => ({ ...g, members: [...g.members] })),
		}));
	}
}

function toStoredApp(app: SeedApp): StoredApp {
	return {
		clientId: app.clientId.toLowerCase(),
		displayName: app.displayName ?? 'Fake app',
		secret: app.secret,
		certificates: [
			...(app.certificatePem ? [app.certificatePem] : []),
			...(app.certificates ?? []),
		],
		consented: app.consented ?? true,
		roles: app.roles ?? [...DEFAULT_APP_ROLES],
	};
}
