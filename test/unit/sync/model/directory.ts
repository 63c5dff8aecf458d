/**
 * The directory side of the model: Entra users (id, mobile as typed, names, email, department,
 * enabled, soft-deleted), the operations a directory goes through, the reads the nodes make (a full
 * read, the trigger's delta, a failed read) turned into sync items by the real Contact Mapper, and a
 * DirectoryWriter that applies write-backs to these users.
 */

import { compileMapper, type MappingConfig } from '../../../../lib/mapping';
import { normalisePhone } from '../../../../lib/mapping/phone';
import type { SyncDirection } from '../../../../lib/types';
import type { DirectoryWriter } from '../../../../lib/sync';

export interface DirUser {
	id: string;
	givenName: string;
	surname: string;
	/** As typed in the directory (messy formats); undefined: no mobile. */
	mobilePhone?: string;
	mail: string;
	department: string;
	jobTitle: string;
	accountEnabled: boolean;
}

/** The department outside the Mapper's scope filter. */
export const OUT_OF_SCOPE_DEPARTMENT = 'Contractors';
export const DEPARTMENTS = ['Sales', 'Support', 'VIP', 'sales', OUT_OF_SCOPE_DEPARTMENT];
/** Custom field the mapping fills (a field the sync manages). */
export const MAPPED_FIELD = 'Job Title';

export const MAPPING: MappingConfig = {
	mapping: [
		{ source: 'displayName', field: 'fullName' },
		{ source: 'mobilePhone', field: 'phone' },
		{ source: 'mail', field: 'email' },
		{ source: 'department', field: 'lists' },
		{ source: 'jobTitle', field: 'customField', customFieldKey: MAPPED_FIELD },
	],
	filters: [
		{
			attribute: 'department',
			operator: 'notEquals',
			value: OUT_OF_SCOPE_DEPARTMENT,
		},
	],
	defaultCountry: 'AU',
	phoneSources: ['mobilePhone'],
};

/** Entra-style object id of user `n` (upper case now and then: ids compare case-insensitively). */
export const userId = (n: number): string =>
	`${n.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-0000000000${(n % 100).toString().padStart(2, '0')}`;

/** A small pool of mobile numbers, so numbers are shared, moved and recycled. */
export const poolNumber = (k: number): string => `+6141200${(1000 + k).toString().slice(-4)}`;
/** Numbers a person types into MessageMedia (never in the directory pool). */
export const freshNumber = (k: number): string => `+6149900${(1000 + k).toString().slice(-4)}`;

/** The same number as a person might type it: E.164, international with spaces, national, dashes. */
export function messy(e164: string, style: number): string {
	const national = `0${e164.slice(3)}`;
	switch (style % 4) {
		case 0:
			return e164;
		case 1:
			return `+61 ${e164.slice(3, 6)} ${e164.slice(6, 9)} ${e164.slice(9)}`;
		case 2:
			return `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`;
		default:
			return `${national.slice(0, 4)}-${national.slice(4, 7)}-${national.slice(7)}`;
	}
}

/** The E.164 form of a directory number, as the Mapper reads it; undefined when unusable. */
export function e164(raw: string | undefined): string | undefined {
	if (raw === undefined || raw.trim() === '') return undefined;
	const result = normalisePhone(raw, { country: 'AU', mobileOnly: false });
	return result.ok ? result.e164 : undefined;
}

export type DirectoryRead =
	| { kind: 'full' }
	/** The read failed after `after` users: the rest comes out as error items. */
	| { kind: 'failed'; after: number }
	/** n8n's "Always Output Data" placeholder: nothing was read. */
	| { kind: 'empty' }
	/** The trigger's delta: users changed since the last delta read. */
	| { kind: 'delta' };

export class Directory {
	readonly users = new Map<string, DirUser>();
	/** Soft-deleted users (restorable). */
	readonly deleted = new Map<string, DirUser>();
	/** Users changed since the last delta read. */
	readonly changed = new Set<string>();
	private next = 1;

	clone(): Directory {
		const copy = new Directory();
		for (const [id, u] of this.users) copy.users.set(id, { ...u });
		for (const [id, u] of this.deleted) copy.deleted.set(id, { ...u });
		for (const id of this.changed) copy.changed.add(id);
		copy.next = this.next;
		return copy;
	}

	private touch(id: string): void {
		this.changed.add(id);
	}

	hire(mobile: string | undefined, department: string, style = 0): DirUser {
		const n = this.next++;
		const user: DirUser = {
			id: userId(n),
			givenName: `Given${n}`,
			surname: `Sur${n}`,
			mobilePhone: mobile === undefined ? undefined : messy(mobile, style),
			mail: `user${n}@contoso.example`,
			department,
			jobTitle: `Title${n % 3}`,
			accountEnabled: true,
		};
		this.users.set(user.id, user);
		this.touch(user.id);
		return user;
	}

	/** Disables (leave) or re-enables a user. */
	setEnabled(id: string, enabled: boolean): void {
		const user = this.users.get(id);
		if (!user) return;
		user.accountEnabled = enabled;
		this.touch(id);
	}

	remove(id: string): void {
		const user = this.users.get(id);
		if (!user) return;
		this.users.delete(id);
		this.deleted.set(id, user);
		this.touch(id);
	}

	restore(id: string): void {
		const user = this.deleted.get(id);
		if (!user) return;
		this.deleted.delete(id);
		this.users.set(id, user);
		this.touch(id);
	}

	update(id: string, changes: Partial<DirUser>): void {
		const user = this.users.get(id);
		if (!user) return;
		Object.assign(user, changes);
		this.touch(id);
	}

	swapNumbers(a: string, b: string): void {
		const ua = this.users.get(a);
		const ub = this.users.get(b);
		if (!ua || !ub) return;
		[ua.mobilePhone, ub.mobilePhone] = [ub.mobilePhone, ua.mobilePhone];
		this.touch(a);
		this.touch(b);
	}

	/** The leaver is deleted and a new hire gets their number. */
	recycle(leaver: string, department: string): void {
		const user = this.users.get(leaver);
		if (!user) return;
		this.remove(leaver);
		this.hire(e164(user.mobilePhone), department, 2);
	}

	/** A user as Graph returns it. */
	static graphUser(user: DirUser): Record<string, unknown> {
		const graph: Record<string, unknown> = {
			id: user.id,
			displayName: `${user.givenName} ${user.surname}`.trim(),
			givenName: user.givenName,
			surname: user.surname,
			mail: user.mail,
			department: user.department,
			jobTitle: user.jobTitle,
			accountEnabled: user.accountEnabled,
			usageLocation: 'AU',
			mobilePhone: user.mobilePhone ?? null,
		};
		return graph;
	}

	/** Users the sync should have a contact for: enabled, in scope (whatever their number). */
	inScope(): DirUser[] {
		return [...this.users.values()].filter(
			(u) => u.accountEnabled && u.department !== OUT_OF_SCOPE_DEPARTMENT,
		);
	}

	/** The raw items of a read, through the Contact Mapper (its Contacts and Rejected outputs, both fed to the sync). */
	read(read: DirectoryRead, direction: SyncDirection | undefined): unknown[] {
		const mapper = compileMapper({
			...MAPPING,
			...(direction ? { direction } : {}),
		});
		const users = [...this.users.values()].sort((a, b) => a.id.localeCompare(b.id));
		let raw: unknown[];
		switch (read.kind) {
			case 'empty':
				raw = [{}];
				break;
			case 'full':
				raw = users.map(Directory.graphUser);
				break;
			case 'failed':
				raw = [
					...users.slice(0, read.after).map(Directory.graphUser),
					{
						error: {
							message: 'Graph read failed: 503 Service Unavailable',
							status: 503,
						},
					},
				];
				break;
			case 'delta':
				raw = [...this.changed].sort().map((id) => {
					const user = this.users.get(id);
					return user ? Directory.graphUser(user) : { id, '@removed': { reason: 'deleted' } };
				});
				this.changed.clear();
				break;
		}
		return raw.map((user) => mapper(user)).filter((item) => item !== null);
	}
}

/** What a Graph PATCH suffers: nothing, a 503 before it is applied, or a lost answer after it is applied. */
export type WriteFault = 'before' | 'after' | undefined;

/** Writes back into the model's directory; counts towards (and dies with) the crash of the account's process. */
export class ModelDirectoryWriter implements DirectoryWriter {
	readonly calls: Array<{ id: string; changes: Record<string, unknown> }> = [];

	constructor(
		private readonly directory: Directory,
		private readonly process: { tick(): void } = { tick: () => {} },
		private readonly fault: () => WriteFault = () => undefined,
	) {}

	async updateUser(id: string, changes: Record<string, unknown>): Promise<void> {
		this.process.tick();
		this.calls.push({ id, changes: structuredClone(changes) });
		const fault = this.fault();
		const unavailable = Object.assign(new Error('Graph 503: Service Unavailable'), { status: 503 });
		if (fault === 'before') throw unavailable;
		const user = this.directory.users.get(id);
		if (!user) throw Object.assign(new Error(`Graph 404: no user ${id}`), { status: 404 });
		const patch: Partial<DirUser> = {};
		for (const [key, value] of Object.entries(changes)) {
			if (key === 'mobilePhone') patch.mobilePhone = value === null ? undefined : String(value);
			else if (key === 'givenName' || key === 'surname' || key === 'mail' || key === 'jobTitle')
				patch[key] = value === null ? '' : String(value);
		}
		this.directory.update(id, patch);
		if (fault === 'after') throw unavailable;
	}
}
