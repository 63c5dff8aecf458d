/**
 * Fake Microsoft Graph change notifications on users: `/v1.0/subscriptions` (POST with the validation
 * handshake, PATCH, DELETE, GET), a notification POSTed to the subscribed URL on every user change,
 * lifecycle events on demand, expiry, and switches to lose or duplicate notifications (admin API).
 *
 * As Graph: resource `/users`, change types `updated`/`deleted` (a created user is an `updated`
 * notification), expiry at most 41,760 minutes ahead, clientState ≤ 128 characters, notificationUrl
 * https — the fake also accepts http on a loopback host (n8n under test listens on 127.0.0.1). Creating
 * a subscription POSTs `?validationToken=…` to both URLs and expects it back as text/plain within
 * 10 s. Notifications are basic (ids, no data), one per change, answered within 3 s or retried.
 */
import { randomUUID } from 'node:crypto';

import type { DirectoryEvent, StoredApp, Tenant } from './entra-state';
import { graphError } from './graph';
import { isLoopbackAddress, parseJsonBody, type FakeRequest, type FakeResponse } from './http-util';

export const MAX_EXPIRY_MINUTES = 41_760;
const USER_READ_ROLES = [
	'User.Read.All',
	'User.ReadWrite.All',
	'Directory.Read.All',
	'Directory.ReadWrite.All',
];

export interface StoredSubscription {
	id: string;
	tenantId: string;
	applicationId: string;
	resource: string;
	changeType: string;
	notificationUrl: string;
	lifecycleNotificationUrl?: string;
	clientState?: string;
	/** ms since epoch */
	expiresAt: number;
	createdAt: string;
	renewals: number;
}

export interface Delivery {
	seq: number;
	time: string;
	subscriptionId: string;
	kind: 'validation' | 'notification' | 'lifecycle';
	url: string;
	attempt: number;
	/** HTTP status the endpoint answered; 0 = no answer in time or connection failed. */
	status: number;
	durationMs: number;
	userId?: string;
	changeType?: string;
	lifecycleEvent?: string;
	/** Lost on purpose (`dropNext`): never sent. */
	dropped?: boolean;
	duplicate?: boolean;
}

export interface SubscriptionSwitches {
	/** The next n change notifications are lost (recorded as dropped, not sent). */
	dropNext: number;
	/** Every change notification is sent twice. */
	duplicate: boolean;
	/** Delays between delivery attempts after a failure (Graph retries for hours; the fake briefly). */
	retryDelaysMs: number[];
}

const ok = (req: FakeRequest, status: number, body?: Record<string, unknown>): FakeResponse => ({
	status,
	body,
	headers: { 'request-id': req.requestId },
	contentType: body ? 'application/json;odata.metadata=minimal;charset=utf-8' : undefined,
});

class SubscriptionError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

function acceptableUrl(raw: unknown, field: string): string {
	let url: URL | undefined;
	try {
		url = typeof raw === 'string' ? new URL(raw) : undefined;
	} catch {
		url = undefined;
	}
	const host = url?.hostname.replace(/^\[|\]$/g, '');
	const loopbackHttp =
		url?.protocol === 'http:' &&
		(host === 'localhost' || host === '::1' || /^127\./.test(host ?? ''));
	if (!url || (url.protocol !== 'https:' && !loopbackHttp)) {
		throw new SubscriptionError(400, 'InvalidRequest', `Invalid ${field}: the URL must use https.`);
	}
	return String(raw);
}

export class SubscriptionService {
	readonly subscriptions = new Map<string, StoredSubscription>();
	readonly deliveries: Delivery[] = [];
	readonly switches: SubscriptionSwitches = {
		dropNext: 0,
		duplicate: false,
		retryDelaysMs: [1000, 2000, 4000, 8000, 15_000, 30_000],
	};
	private seq = 0;
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly inFlight = new Set<Promise<unknown>>();
	private closed = false;

	constructor(private readonly now: () => number = Date.now) {}

	static matches(path: string): boolean {
		return path === '/v1.0/subscriptions' || path.startsWith('/v1.0/subscriptions/');
	}

	/** Live subscriptions; expired ones are gone (as in Graph). */
	live(): StoredSubscription[] {
		for (const [id, sub] of this.subscriptions)
			if (sub.expiresAt <= this.now()) this.subscriptions.delete(id);
		return [...this.subscriptions.values()];
	}

	view(sub: StoredSubscription): Record<string, unknown> {
		return {
			id: sub.id,
			resource: sub.resource,
			applicationId: sub.applicationId,
			changeType: sub.changeType,
			clientState: sub.clientState ?? null,
			notificationUrl: sub.notificationUrl,
			lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
			expirationDateTime: new Date(sub.expiresAt).toISOString(),
			creatorId: sub.applicationId,
			includeResourceData: false,
			latestSupportedTlsVersion: 'v1_2',
			notificationContentType: 'application/json',
		};
	}

	async handle(
		req: FakeRequest,
		auth: { tenant: Tenant; app: StoredApp } | FakeResponse,
	): Promise<FakeResponse> {
		if ('status' in auth) return auth;
		const { tenant, app } = auth;
		try {
			if (!app.roles.some((role) => USER_READ_ROLES.includes(role))) {
				throw new SubscriptionError(
					403,
					'ExtensionError',
					'Operation: Create; Exception: [Status Code: Forbidden; Reason: Insufficient privileges]',
				);
			}
			const id = req.path.split('/').filter(Boolean)[2];
			const mine = this.live().filter(
				(s) => s.tenantId === tenant.id && s.applicationId === app.clientId,
			);
			if (id === undefined && req.method === 'GET')
				return ok(req, 200, { value: mine.map((s) => this.view(s)) });
			if (id === undefined && req.method === 'POST') return await this.create(req, tenant, app);
			const sub = mine.find((s) => s.id === id);
			if (!sub) throw new SubscriptionError(404, 'ResourceNotFound', `The object was not found.`);
			if (req.method === 'GET') return ok(req, 200, this.view(sub));
			if (req.method === 'DELETE') {
				this.subscriptions.delete(sub.id);
				return ok(req, 204);
			}
			if (req.method === 'PATCH') {
				const body = this.body(req);
				for (const key of Object.keys(body)) {
					if (key !== 'expirationDateTime' && key !== 'notificationUrl')
						throw new SubscriptionError(
							400,
							'InvalidRequest',
							`Property ${key} cannot be updated.`,
						);
				}
				if (body.notificationUrl !== undefined)
					sub.notificationUrl = acceptableUrl(body.notificationUrl, 'notificationUrl');
				if (body.expirationDateTime !== undefined)
					sub.expiresAt = this.expiry(body.expirationDateTime);
				sub.renewals++;
				return ok(req, 200, this.view(sub));
			}
			throw new SubscriptionError(
				405,
				'BadRequest',
				`The HTTP method '${req.method}' is not allowed for this resource.`,
			);
		} catch (error) {
			if (error instanceof SubscriptionError)
				return graphError(req, error.status, error.code, error.message);
			throw error;
		}
	}

	private body(req: FakeRequest): Record<string, unknown> {
		const parsed = parseJsonBody(req);
		if (parsed.kind !== 'json' || !parsed.value || typeof parsed.value !== 'object') {
			throw new SubscriptionError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
		}
		return parsed.value as Record<string, unknown>;
	}

	private expiry(raw: unknown): number {
		const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
		if (Number.isNaN(at))
			throw new SubscriptionError(400, 'InvalidRequest', 'expirationDateTime is not a valid date.');
		if (at <= this.now())
			throw new SubscriptionError(
				400,
				'InvalidRequest',
				'Subscription expiration must be in the future.',
			);
		if (at > this.now() + MAX_EXPIRY_MINUTES * 60_000) {
			throw new SubscriptionError(
				400,
				'InvalidRequest',
				`Subscription expiration can only be ${MAX_EXPIRY_MINUTES} minutes in the future.`,
			);
		}
		return at;
	}

	private async create(req: FakeRequest, tenant: Tenant, app: StoredApp): Promise<FakeResponse> {
		const body = this.body(req);
		for (const field of ['changeType', 'notificationUrl', 'resource', 'expirationDateTime']) {
			if (body[field] === undefined)
				throw new SubscriptionError(400, 'InvalidRequest', `${field} is a required property.`);
		}
		const resource = String(body.resource).replace(/^\//, '');
		if (resource.toLowerCase() !== 'users')
			throw new SubscriptionError(
				400,
				'InvalidRequest',
				`Resource '${body.resource}' is not supported by this fake.`,
			);
		const changeTypes = String(body.changeType)
			.split(',')
			.map((c) => c.trim());
		if (changeTypes.some((c) => c !== 'updated' && c !== 'deleted')) {
			throw new SubscriptionError(
				400,
				'InvalidRequest',
				`changeType '${body.changeType}' is not supported for users: use updated and/or deleted.`,
			);
		}
		const clientState = body.clientState;
		if (
			clientState !== undefined &&
			(typeof clientState !== 'string' || clientState.length > 128)
		) {
			throw new SubscriptionError(
				400,
				'InvalidRequest',
				'clientState must be a string of at most 128 characters.',
			);
		}
		const sub: StoredSubscription = {
			id: randomUUID(),
			tenantId: tenant.id,
			applicationId: app.clientId,
			resource: String(body.resource),
			changeType: changeTypes.join(','),
			notificationUrl: acceptableUrl(body.notificationUrl, 'notificationUrl'),
			lifecycleNotificationUrl:
				body.lifecycleNotificationUrl === undefined
					? undefined
					: acceptableUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl'),
			clientState: clientState as string | undefined,
			expiresAt: this.expiry(body.expirationDateTime),
			createdAt: new Date(this.now()).toISOString(),
			renewals: 0,
		};
		for (const url of [sub.notificationUrl, sub.lifecycleNotificationUrl]) {
			if (url && !(await this.validate(sub, url))) {
				throw new SubscriptionError(
					400,
					'ValidationError',
					`Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.`,
				);
			}
		}
		this.subscriptions.set(sub.id, sub);
		return ok(req, 201, {
			'@odata.context': `${req.baseUrl}/v1.0/$metadata#subscriptions/$entity`,
			...this.view(sub),
		});
	}

	/** The handshake: POST ?validationToken=… (text/plain), 200 with the token as text within 10 s. */
	private async validate(sub: StoredSubscription, url: string): Promise<boolean> {
		const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
		const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
		const started = this.now();
		const answer = await post(target, undefined, 10_000);
		const valid =
			answer.status === 200 &&
			answer.text === token &&
			/^text\/plain/i.test(answer.contentType ?? '');
		this.record({
			subscriptionId: sub.id,
			kind: 'validation',
			url,
			attempt: 1,
			status: answer.status,
			durationMs: this.now() - started,
		});
		return valid;
	}

	private record(entry: Omit<Delivery, 'seq' | 'time'>): void {
		this.deliveries.push({ seq: ++this.seq, time: new Date(this.now()).toISOString(), ...entry });
		if (this.deliveries.length > 5000) this.deliveries.splice(0, this.deliveries.length - 5000);
	}

	/** Directory listener: one basic notification per change to every matching live subscription. */
	onDirectoryChange(event: DirectoryEvent): void {
		const changeType = event.changeType === 'deleted' ? 'deleted' : 'updated';
		for (const sub of this.live()) {
			if (sub.tenantId !== event.tenantId || !sub.changeType.split(',').includes(changeType))
				continue;
			const payload = this.notification(sub, event.userId, changeType);
			if (this.switches.dropNext > 0) {
				this.switches.dropNext--;
				this.record({
					subscriptionId: sub.id,
					kind: 'notification',
					url: sub.notificationUrl,
					attempt: 0,
					status: 0,
					durationMs: 0,
					userId: event.userId,
					changeType,
					dropped: true,
				});
				continue;
			}
			const copies = this.switches.duplicate ? 2 : 1;
			for (let copy = 0; copy < copies; copy++) {
				this.deliver(sub, sub.notificationUrl, payload, {
					kind: 'notification',
					userId: event.userId,
					changeType,
					duplicate: copy > 0 || undefined,
				});
			}
		}
	}

	notification(
		sub: StoredSubscription,
		userId: string,
		changeType: string,
		clientState = sub.clientState,
	): Record<string, unknown> {
		return {
			value: [
				{
					subscriptionId: sub.id,
					subscriptionExpirationDateTime: new Date(sub.expiresAt).toISOString(),
					changeType,
					resource: `Users/${userId}`,
					resourceData: {
						'@odata.type': '#Microsoft.Graph.User',
						'@odata.id': `Users/${userId}`,
						id: userId,
						organizationId: sub.tenantId,
					},
					clientState: clientState ?? null,
					tenantId: sub.tenantId,
				},
			],
		};
	}

	/** Admin: a lifecycle event (`reauthorizationRequired`, …) to the lifecycle URL; resolves to the endpoint's status. */
	async lifecycle(id: string, lifecycleEvent: string): Promise<number> {
		const sub = this.live().find((s) => s.id === id);
		if (!sub?.lifecycleNotificationUrl)
			throw new Error(`no live subscription ${id} with a lifecycle URL`);
		const payload = {
			value: [
				{
					subscriptionId: sub.id,
					subscriptionExpirationDateTime: new Date(sub.expiresAt).toISOString(),
					tenantId: sub.tenantId,
					clientState: sub.clientState ?? null,
					lifecycleEvent,
				},
			],
		};
		if (lifecycleEvent === 'subscriptionRemoved') this.subscriptions.delete(sub.id);
		return await this.deliver(sub, sub.lifecycleNotificationUrl, payload, {
			kind: 'lifecycle',
			lifecycleEvent,
		});
	}

	/** Admin: one notification with another clientState (a forged or stale sender); the endpoint's status. */
	async forge(id: string, clientState: string, userId: string): Promise<number> {
		const sub = this.live().find((s) => s.id === id);
		if (!sub) throw new Error(`no live subscription ${id}`);
		return await this.deliver(
			sub,
			sub.notificationUrl,
			this.notification(sub, userId, 'updated', clientState),
			{ kind: 'notification', userId, changeType: 'updated' },
			false,
		);
	}

	/** Admin: the subscription expires now (Graph drops it; GET/PATCH answer 404). */
	expire(id: string): void {
		const sub = this.subscriptions.get(id);
		if (!sub) throw new Error(`no subscription ${id}`);
		sub.expiresAt = this.now() - 1;
		this.live();
	}

	/** Sends with retries (unless `retry` is false); resolves to the first attempt's status. */
	private deliver(
		sub: StoredSubscription,
		url: string,
		payload: unknown,
		meta: Partial<Delivery> & { kind: Delivery['kind'] },
		retry = true,
	): Promise<number> {
		const attempt = async (n: number): Promise<number> => {
			const started = this.now();
			const answer = await post(url, payload, 3000);
			this.record({
				subscriptionId: sub.id,
				url,
				attempt: n,
				status: answer.status,
				durationMs: this.now() - started,
				...meta,
			});
			const failed = answer.status < 200 || answer.status >= 300;
			const delay = this.switches.retryDelaysMs[n - 1];
			// Graph retries failed deliveries (not a 4xx refusal such as a clientState mismatch).
			if (
				retry &&
				failed &&
				(answer.status === 0 ||
					answer.status >= 500 ||
					answer.status === 404 ||
					answer.status === 429) &&
				delay !== undefined &&
				!this.closed
			) {
				const timer = setTimeout(() => {
					this.timers.delete(timer);
					if (this.subscriptions.has(sub.id)) this.track(attempt(n + 1));
				}, delay);
				this.timers.add(timer);
			}
			return answer.status;
		};
		return this.track(attempt(1));
	}

	private track<T>(promise: Promise<T>): Promise<T> {
		this.inFlight.add(promise);
		void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
		return promise;
	}

	close(): void {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}
}

/** One POST with a deadline: status 0 when there is no answer in time or the connection fails. */
async function post(
	url: string,
	payload: unknown,
	timeoutMs: number,
): Promise<{ status: number; text?: string; contentType?: string }> {
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers:
				payload === undefined
					? { 'content-type': 'text/plain; charset=utf-8' }
					: { 'content-type': 'application/json' },
			body: payload === undefined ? '' : JSON.stringify(payload),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		return {
			status: response.status,
			text,
			contentType: response.headers.get('content-type') ?? undefined,
		};
	} catch {
		return { status: 0 };
	}
}

/** Admin routes under /_admin/subscriptions (see README.md); undefined = not a subscription route. */
export async function handleSubscriptionAdmin(
	service: SubscriptionService,
	req: FakeRequest,
	remote: string | undefined,
): Promise<FakeResponse | undefined> {
	const [first, id, action] = req.path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
	if (first !== 'subscriptions') return undefined;
	if (!isLoopbackAddress(remote))
		return { status: 403, body: { error: 'admin API is loopback-only' } };
	const parsed = parseJsonBody(req);
	const body = (parsed.kind === 'json' ? parsed.value : {}) as Record<string, unknown>;
	try {
		if (!id && req.method === 'GET') {
			return {
				status: 200,
				body: {
					subscriptions: service.live().map((s) => ({ ...service.view(s), renewals: s.renewals })),
					deliveries: service.deliveries,
					switches: service.switches,
				},
			};
		}
		if (id === 'switches' && req.method === 'PATCH') {
			if (body.dropNext !== undefined) service.switches.dropNext = Number(body.dropNext);
			if (body.duplicate !== undefined) service.switches.duplicate = body.duplicate === true;
			if (Array.isArray(body.retryDelaysMs))
				service.switches.retryDelaysMs = body.retryDelaysMs.map(Number);
			return { status: 200, body: service.switches };
		}
		if (id && action === 'lifecycle' && req.method === 'POST') {
			return {
				status: 200,
				body: {
					status: await service.lifecycle(
						id,
						String(body.lifecycleEvent ?? 'reauthorizationRequired'),
					),
				},
			};
		}
		if (id && action === 'notify' && req.method === 'POST') {
			return {
				status: 200,
				body: {
					status: await service.forge(
						id,
						String(body.clientState ?? ''),
						String(body.userId ?? randomUUID()),
					),
				},
			};
		}
		if (id && action === 'expire' && req.method === 'POST') {
			service.expire(id);
			return { status: 200, body: { expired: id } };
		}
	} catch (error) {
		return { status: 404, body: { error: (error as Error).message } };
	}
	return { status: 404, body: { error: `no admin route ${req.method} ${req.path}` } };
}
