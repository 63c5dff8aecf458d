/**
 * Client of the fakes' admin API (`/_admin/`, loopback only) over HTTPS with the fakes' CA: the e2e
 * tests change the directory, set faults and read the request log and the MessageMedia state through
 * it, as an operator of the fakes would (the demo uses the same routes).
 */
import { request } from 'node:https';

import type { FakeSeed, FaultConfig, RequestLogEntry, SeedUser } from '../../fakes/types';

/** A contact as GET /_admin/messagemedia shows it. */
export interface ViewContact {
	id: string;
	firstName: string;
	lastName: string;
	customFields: Array<{ id: string; mergeTag: string; value: string; type: string }>;
	channels: Array<{ channelId: string; type: string; subscriptionState: string }>;
	lists: Array<{ id: string; name: string }>;
	[key: string]: unknown;
}

export interface ViewAccount {
	apiKey: string;
	contacts: ViewContact[];
	lists: Array<{ id: string; name: string; contactIds: string[] }>;
	customFields: Array<{ id: string; label: string; mergeTag: string; type: string }>;
}

export class FakesAdmin {
	constructor(
		readonly url: string,
		private readonly ca: string,
	) {}

	/** Any admin route (subscriptions and other additions). */
	async raw<T>(method: string, path: string, body?: unknown): Promise<T> {
		return await this.call(method, path, body);
	}

	private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
		const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
		return await new Promise<T>((resolve, reject) => {
			const req = request(
				`${this.url}/_admin/${path}`,
				{
					method,
					ca: this.ca,
					headers: payload
						? { 'content-type': 'application/json', 'content-length': String(payload.length) }
						: {},
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						if ((res.statusCode ?? 500) >= 300) {
							reject(new Error(`admin ${method} ${path} → ${res.statusCode}: ${text}`));
							return;
						}
						resolve((text ? JSON.parse(text) : undefined) as T);
					});
				},
			);
			req.on('error', reject);
			req.end(payload);
		});
	}

	async state(): Promise<FakeSeed> {
		return await this.call('GET', 'state');
	}

	async load(seed: FakeSeed): Promise<void> {
		await this.call('PUT', 'state', seed);
	}

	async createUser(user: SeedUser): Promise<Record<string, unknown>> {
		return await this.call('POST', 'users', user);
	}

	async updateUser(id: string, changes: Record<string, unknown>): Promise<Record<string, unknown>> {
		return await this.call('PATCH', `users/${encodeURIComponent(id)}`, changes);
	}

	/** Brings a soft-deleted user back (Graph: restore from the recycle bin). */
	async restoreUser(id: string): Promise<Record<string, unknown>> {
		return await this.call('POST', `users/${encodeURIComponent(id)}/restore`);
	}

	/** Soft delete (Graph's default; the user can be restored) or hard delete. */
	async deleteUser(id: string, hard = false): Promise<void> {
		await this.call('DELETE', `users/${encodeURIComponent(id)}${hard ? '?hard=true' : ''}`);
	}

	async setFaults(faults: FaultConfig): Promise<void> {
		await this.call('PUT', 'faults', faults);
	}

	async log(): Promise<RequestLogEntry[]> {
		return (await this.call<{ entries: RequestLogEntry[] }>('GET', 'log')).entries;
	}

	async resetLog(): Promise<void> {
		await this.call('POST', 'reset-log');
	}

	async messagemedia(apiKey: string): Promise<ViewAccount> {
		const { accounts } = await this.call<{ accounts: ViewAccount[] }>(
			'GET',
			`messagemedia?apiKey=${encodeURIComponent(apiKey)}`,
		);
		if (accounts.length !== 1) throw new Error(`no MessageMedia account with key ${apiKey}`);
		return accounts[0];
	}

	async registerCertificate(
		tenantId: string,
		clientId: string,
		certificatePem: string,
	): Promise<void> {
		const seed = await this.state();
		const tenant = seed.tenants?.find((t) => t.id === tenantId);
		const app = tenant?.apps?.find((a) => a.clientId === clientId);
		if (!app) throw new Error(`app ${clientId} not found in tenant ${tenantId}`);
		app.certificates = [...(app.certificates ?? []), certificatePem];
		await this.load(seed);
	}
}

/** A Graph subscription as GET /_admin/subscriptions shows it. */
export interface ViewSubscription {
	id: string;
	resource: string;
	changeType: string;
	clientState: string | null;
	notificationUrl: string;
	lifecycleNotificationUrl: string | null;
	expirationDateTime: string;
	renewals: number;
}

export interface ViewDelivery {
	seq: number;
	subscriptionId: string;
	kind: 'validation' | 'notification' | 'lifecycle';
	url: string;
	attempt: number;
	status: number;
	userId?: string;
	dropped?: boolean;
	duplicate?: boolean;
}

/** The fake Graph's change-notification side (/_admin/subscriptions). */
export class SubscriptionsAdmin {
	constructor(private readonly admin: FakesAdmin) {}

	async list(): Promise<{ subscriptions: ViewSubscription[]; deliveries: ViewDelivery[] }> {
		return await this.admin.raw('GET', 'subscriptions');
	}

	/** `dropNext`: lose the next n notifications; `duplicate`: send each twice. */
	async switches(switches: {
		dropNext?: number;
		duplicate?: boolean;
		retryDelaysMs?: number[];
	}): Promise<void> {
		await this.admin.raw('PATCH', 'subscriptions/switches', switches);
	}

	/** Sends a lifecycle event; resolves to the HTTP status n8n answered. */
	async lifecycle(id: string, lifecycleEvent: string): Promise<number> {
		return (
			await this.admin.raw<{ status: number }>('POST', `subscriptions/${id}/lifecycle`, {
				lifecycleEvent,
			})
		).status;
	}

	/** A notification with another clientState; resolves to the HTTP status n8n answered. */
	async forge(id: string, clientState: string, userId: string): Promise<number> {
		return (
			await this.admin.raw<{ status: number }>('POST', `subscriptions/${id}/notify`, {
				clientState,
				userId,
			})
		).status;
	}

	async expire(id: string): Promise<void> {
		await this.admin.raw('POST', `subscriptions/${id}/expire`);
	}
}

/** MessageMedia writes in a request log (anything but GET). */
export function messageMediaWrites(log: RequestLogEntry[]): RequestLogEntry[] {
	return log.filter((entry) => entry.service === 'messagemedia' && entry.method !== 'GET');
}
