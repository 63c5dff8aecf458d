/**
 * Microsoft Graph change notifications on `/users` for the Entra Directory Push Trigger, n8n-free.
 *
 * A subscription tells Graph to POST a basic notification (ids only, no user data) to our webhook
 * within seconds of a user change. Notifications can be late, duplicated or lost, so they are only
 * a wake-up call: the trigger then reads `/users/delta` from its stored delta link (lib/entra/poll.ts),
 * and the delta link stays the source of truth.
 *
 * State kept between calls (the node keeps it in the workflow's static data): the random clientState
 * Graph echoes on every notification, and the subscription (id, expiry, the URLs it was made for).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

import { ConfigurationError, ServiceApiError } from '../common/errors';
import { isLoopbackHost } from '../common/redact';
import type { GraphTransport } from './graph';

export const USERS_RESOURCE = '/users';
export const CHANGE_TYPES = 'updated,deleted';
/** Graph's longest lifetime for a subscription on users. */
export const MAX_LIFETIME_MINUTES = 41_760;
/** Asked-for lifetime: the maximum less an hour, so a clock ahead of Graph's is not refused. */
export const LIFETIME_MINUTES = MAX_LIFETIME_MINUTES - 60;
/** Renew when less than this is left (checked on every notification, lifecycle event and activation). */
export const RENEW_WITHIN_MS = 3 * 24 * 60 * 60 * 1000;
/** Graph echoes clientState verbatim; it allows at most 128 characters. */
export const CLIENT_STATE_MAX_LENGTH = 128;

export interface SubscriptionRecord {
	id: string;
	expirationDateTime: string;
	notificationUrl: string;
	lifecycleNotificationUrl: string;
}

/** What the trigger stores between calls. Anything malformed reads as absent. */
export interface PushState {
	clientState?: string;
	subscription?: SubscriptionRecord;
}

export interface WebhookUrls {
	notificationUrl: string;
	lifecycleNotificationUrl: string;
}

interface GraphSubscription {
	id?: string;
	clientState?: string | null;
	expirationDateTime?: string;
	notificationUrl?: string;
	lifecycleNotificationUrl?: string;
	resource?: string;
}

/**
 * Graph delivers only to https. http is accepted for a loopback host (local fakes and tests), by the
 * same rule as the package's base URLs; anything else is a configuration error that names WEBHOOK_URL.
 */
export function assertNotificationUrl(url: string): void {
	let parsed: URL | undefined;
	try {
		parsed = new URL(url);
	} catch {
		parsed = undefined;
	}
	if (parsed?.protocol === 'https:') return;
	if (parsed?.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return;
	throw new ConfigurationError(
		`Microsoft Graph sends change notifications only to a public https:// URL, and this n8n's webhook URL is "${url}". Set WEBHOOK_URL to the public HTTPS address of this n8n (behind a reverse proxy or tunnel) and publish the workflow again.`,
		'WEBHOOK_URL',
	);
}

/** A fresh random clientState (64 URL-safe characters). */
export function newClientState(): string {
	return randomBytes(48).toString('base64url');
}

/** The stored state if well-formed; malformed parts are dropped. */
export function readPushState(stored: unknown): PushState {
	const raw = (stored ?? {}) as Record<string, unknown>;
	const state: PushState = {};
	if (
		typeof raw.clientState === 'string' &&
		raw.clientState.length >= 16 &&
		raw.clientState.length <= CLIENT_STATE_MAX_LENGTH
	) {
		state.clientState = raw.clientState;
	}
	const sub = raw.subscription as Record<string, unknown> | undefined;
	if (
		sub &&
		typeof sub.id === 'string' &&
		/^[A-Za-z0-9-]+$/.test(sub.id) &&
		typeof sub.expirationDateTime === 'string' &&
		!Number.isNaN(Date.parse(sub.expirationDateTime)) &&
		typeof sub.notificationUrl === 'string' &&
		typeof sub.lifecycleNotificationUrl === 'string'
	) {
		state.subscription = {
			id: sub.id,
			expirationDateTime: sub.expirationDateTime,
			notificationUrl: sub.notificationUrl,
			lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
		};
	}
	return state;
}

export function expiryFrom(now: Date): string {
	return new Date(now.getTime() + LIFETIME_MINUTES * 60_000).toISOString();
}

export function needsRenewal(subscription: SubscriptionRecord, now: Date): boolean {
	return Date.parse(subscription.expirationDateTime) - now.getTime() < RENEW_WITHIN_MS;
}

function isNotFound(error: unknown): boolean {
	return error instanceof ServiceApiError && error.service === 'graph' && error.status === 404;
}

function subscriptionPath(id: string): string {
	if (!/^[A-Za-z0-9-]+$/.test(id))
		throw new ConfigurationError(`"${id.slice(0, 80)}" is not a subscription id.`, 'subscription');
	return `/subscriptions/${id}`;
}

function toRecord(
	body: GraphSubscription | undefined,
	fallback: SubscriptionRecord,
): SubscriptionRecord {
	return {
		id: typeof body?.id === 'string' ? body.id : fallback.id,
		expirationDateTime:
			typeof body?.expirationDateTime === 'string'
				? body.expirationDateTime
				: fallback.expirationDateTime,
		notificationUrl: fallback.notificationUrl,
		lifecycleNotificationUrl: fallback.lifecycleNotificationUrl,
	};
}

/** POST /subscriptions. Graph validates both URLs (the handshake) before it answers. */
export async function createSubscription(
	graph: GraphTransport,
	urls: WebhookUrls,
	clientState: string,
	now = new Date(),
): Promise<SubscriptionRecord> {
	assertNotificationUrl(urls.notificationUrl);
	assertNotificationUrl(urls.lifecycleNotificationUrl);
	const expirationDateTime = expiryFrom(now);
	const body = await graph.post<GraphSubscription>('/subscriptions', {
		changeType: CHANGE_TYPES,
		notificationUrl: urls.notificationUrl,
		lifecycleNotificationUrl: urls.lifecycleNotificationUrl,
		resource: USERS_RESOURCE,
		expirationDateTime,
		clientState,
	});
	if (typeof body?.id !== 'string') {
		throw new ServiceApiError({
			service: 'graph',
			status: 201,
			code: 'missingId',
			message: 'Microsoft Graph created a subscription without an id.',
		});
	}
	return toRecord(body, { id: body.id, expirationDateTime, ...urls });
}

/** PATCH the expiry (renewal, also the answer to reauthorizationRequired). undefined = the subscription is gone. */
export async function renewSubscription(
	graph: GraphTransport,
	subscription: SubscriptionRecord,
	now = new Date(),
): Promise<SubscriptionRecord | undefined> {
	const expirationDateTime = expiryFrom(now);
	try {
		const body = await graph.patchReturning<GraphSubscription>(subscriptionPath(subscription.id), {
			expirationDateTime,
		});
		return toRecord(body, { ...subscription, expirationDateTime });
	} catch (error) {
		if (isNotFound(error)) return undefined;
		throw error;
	}
}

/** GET the subscription; undefined when Graph no longer has it (expired or deleted). */
export async function findSubscription(
	graph: GraphTransport,
	subscription: SubscriptionRecord,
): Promise<SubscriptionRecord | undefined> {
	try {
		const body = await graph.get<GraphSubscription>(subscriptionPath(subscription.id));
		if (body?.notificationUrl && body.notificationUrl !== subscription.notificationUrl)
			return undefined;
		return toRecord(body, subscription);
	} catch (error) {
		if (isNotFound(error)) return undefined;
		throw error;
	}
}

async function listForUrl(
	graph: GraphTransport,
	urls: WebhookUrls,
): Promise<Array<{ record: SubscriptionRecord; clientState?: string | null }>> {
	const { value } = await graph.getAllPages<GraphSubscription>('/subscriptions');
	return value
		.filter(
			(sub) =>
				typeof sub.id === 'string' &&
				/^[A-Za-z0-9-]+$/.test(sub.id) &&
				sub.notificationUrl === urls.notificationUrl,
		)
		.map((sub) => ({
			record: toRecord(sub, {
				id: sub.id as string,
				expirationDateTime: sub.expirationDateTime ?? new Date(0).toISOString(),
				...urls,
			}),
			clientState: sub.clientState,
		}));
}

/**
 * This app's live subscriptions for a notification URL (GET /subscriptions). A stored id can be stale:
 * n8n saves a workflow's static data as a whole, so an execution that started before a subscription
 * was recreated may write the old id back. The URL finds the real one.
 */
export async function findByUrl(
	graph: GraphTransport,
	urls: WebhookUrls,
): Promise<SubscriptionRecord[]> {
	return (await listForUrl(graph, urls)).map((entry) => entry.record);
}

/** The subscription Graph has for these URLs and this clientState (adopted); others for the URL (another clientState, or none echoed) are deleted. */
async function adoptByUrl(
	graph: GraphTransport,
	urls: WebhookUrls,
	clientState: string,
): Promise<SubscriptionRecord | undefined> {
	let adopted: SubscriptionRecord | undefined;
	for (const entry of await listForUrl(graph, urls)) {
		if (!adopted && entry.clientState === clientState) adopted = entry.record;
		else await deleteSubscription(graph, entry.record);
	}
	return adopted;
}

/** DELETE; a subscription that is already gone counts as deleted. */
export async function deleteSubscription(
	graph: GraphTransport,
	subscription: SubscriptionRecord,
): Promise<void> {
	try {
		await graph.delete(subscriptionPath(subscription.id));
	} catch (error) {
		if (!isNotFound(error)) throw error;
	}
}

export type EnsureAction = 'found' | 'renewed' | 'created' | 'recreated';

/**
 * Activation: keep the stored subscription when Graph still has it for these URLs (renewing it when
 * close to expiry), otherwise create one. A subscription made for other URLs (WEBHOOK_URL changed)
 * is deleted first. The clientState is kept across re-creation, so late retries of notifications
 * sent for the old subscription still authenticate.
 */
export async function ensureSubscription(
	graph: GraphTransport,
	stored: PushState,
	urls: WebhookUrls,
	now = new Date(),
): Promise<{ state: PushState; action: EnsureAction }> {
	assertNotificationUrl(urls.notificationUrl);
	const clientState = stored.clientState ?? newClientState();
	const previous = stored.subscription;
	if (previous) {
		const sameUrls =
			previous.notificationUrl === urls.notificationUrl &&
			previous.lifecycleNotificationUrl === urls.lifecycleNotificationUrl;
		const found = sameUrls ? await findSubscription(graph, previous) : undefined;
		if (found) {
			if (!needsRenewal(found, now))
				return { state: { clientState, subscription: found }, action: 'found' };
			const renewed = await renewSubscription(graph, found, now);
			if (renewed) return { state: { clientState, subscription: renewed }, action: 'renewed' };
		} else if (!sameUrls) {
			await deleteSubscription(graph, previous);
		}
	}
	const adopted = await adoptByUrl(graph, urls, clientState);
	if (adopted) {
		const renewed = needsRenewal(adopted, now)
			? await renewSubscription(graph, adopted, now)
			: adopted;
		if (renewed)
			return {
				state: { clientState, subscription: renewed },
				action: renewed === adopted ? 'found' : 'renewed',
			};
	}
	const subscription = await createSubscription(graph, urls, clientState, now);
	return { state: { clientState, subscription }, action: previous ? 'recreated' : 'created' };
}

/**
 * On a notification or lifecycle event: renew when asked to (reauthorizationRequired) or when close
 * to expiry; recreate when Graph no longer has it. Returns the new state, or undefined = unchanged.
 */
export async function maintainSubscription(
	graph: GraphTransport,
	stored: PushState,
	urls: WebhookUrls,
	options: { force?: boolean; now?: Date } = {},
): Promise<{ state: PushState; action: EnsureAction | 'renewed' } | undefined> {
	const now = options.now ?? new Date();
	const current = stored.subscription;
	if (current && !options.force && !needsRenewal(current, now)) return undefined;
	if (current) {
		const renewed = await renewSubscription(graph, current, now);
		if (renewed) return { state: { ...stored, subscription: renewed }, action: 'renewed' };
	}
	const clientState = stored.clientState ?? newClientState();
	const adopted = await adoptByUrl(graph, urls, clientState);
	const renewed = adopted ? await renewSubscription(graph, adopted, now) : undefined;
	if (renewed) return { state: { clientState, subscription: renewed }, action: 'renewed' };
	const subscription = await createSubscription(graph, urls, clientState, now);
	return { state: { clientState, subscription }, action: current ? 'recreated' : 'created' };
}

// ---------- incoming requests ----------

export interface ChangeNotification {
	subscriptionId?: string;
	changeType?: string;
	resource?: string;
	clientState?: string;
	lifecycleEvent?: string;
	resourceData?: { id?: string };
}

export interface VerifiedBatch {
	/** The clientState matched on every entry (and there was at least one entry). */
	authentic: boolean;
	notifications: ChangeNotification[];
	/** Lifecycle events named in the batch (`reauthorizationRequired`, `subscriptionRemoved`, `missed`). */
	lifecycleEvents: string[];
}

function sameSecret(a: string, b: string): boolean {
	const left = Buffer.from(a, 'utf8');
	const right = Buffer.from(b, 'utf8');
	return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks a notification POST body `{ value: [...] }`: every entry must carry our clientState. */
export function verifyNotifications(body: unknown, clientState: string | undefined): VerifiedBatch {
	const value = (body as { value?: unknown } | undefined)?.value;
	const entries = Array.isArray(value)
		? (value.filter((e) => e && typeof e === 'object') as ChangeNotification[])
		: [];
	const authentic =
		clientState !== undefined &&
		entries.length > 0 &&
		entries.length === (value as unknown[]).length &&
		entries.every(
			(entry) =>
				typeof entry.clientState === 'string' && sameSecret(entry.clientState, clientState),
		);
	const lifecycleEvents = [
		...new Set(
			entries.map((e) => e.lifecycleEvent).filter((e): e is string => typeof e === 'string'),
		),
	];
	return {
		authentic,
		notifications: authentic ? entries : [],
		lifecycleEvents: authentic ? lifecycleEvents : [],
	};
}

/** The validation handshake: Graph POSTs `?validationToken=…` and expects it back as text/plain. */
export function validationToken(query: Record<string, unknown> | undefined): string | undefined {
	const token = query?.validationToken;
	if (typeof token !== 'string' || token === '' || token.length > 1024) return undefined;
	return token;
}
