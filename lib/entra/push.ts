/**
 * The Entra Directory Push Trigger's three moments, n8n-free: activation (subscription + delta
 * cursor), an incoming notification or lifecycle event (check, maintain, read delta) and
 * deactivation. The node stores `PushStore` in its static data and hands it back each time.
 *
 * Items come from `pollDirectory` (the polling trigger's delta reading and scope rules), so both
 * triggers emit the same items, and a duplicated or lost notification changes nothing: the next
 * read from the stored delta link returns every change since the last one.
 */
import { pollDirectory, readCursor } from './poll';
import type { ChangeItem, DirectoryScope, PollCursor } from './poll';
import type { GraphTransport } from './graph';
import {
	assertNotificationUrl,
	deleteSubscription,
	ensureSubscription,
	findByUrl,
	maintainSubscription,
	readPushState,
	verifyNotifications,
} from './subscriptions';
import type { EnsureAction, PushState, WebhookUrls } from './subscriptions';

export interface PushStore {
	push?: PushState;
	cursor?: PollCursor;
}

export interface ActivationResult {
	store: PushStore;
	action: EnsureAction;
	/** True when a new delta cursor was started (first activation, scope change or lost cursor). */
	cursorStarted: boolean;
}

/** The stored cursor for this scope, or a new one that starts now. */
async function cursorFor(
	graph: GraphTransport,
	scope: DirectoryScope,
	stored: PushStore,
): Promise<{ cursor: PollCursor; started: boolean }> {
	const existing = readCursor((stored.cursor ?? {}) as unknown as Record<string, unknown>, scope);
	if (existing) return { cursor: existing, started: false };
	const fresh = await pollDirectory(graph, { scope, emitExisting: false, stored: {} });
	return { cursor: fresh.cursor as PollCursor, started: true };
}

/**
 * Activation (also after an n8n restart): the delta cursor first, so no change made from now on is
 * missed, then the subscription found, renewed or (re)created.
 */
export async function activate(
	graph: GraphTransport,
	stored: PushStore,
	scope: DirectoryScope,
	urls: WebhookUrls,
): Promise<ActivationResult> {
	assertNotificationUrl(urls.notificationUrl);
	assertNotificationUrl(urls.lifecycleNotificationUrl);
	const { cursor, started } = await cursorFor(graph, scope, stored);
	const { state, action } = await ensureSubscription(graph, readPushState(stored.push), urls);
	return { store: { push: state, cursor }, action, cursorStarted: started };
}

/**
 * Deactivation: delete the stored subscription and any other this app has for these URLs (the stored
 * id may be stale); the delta cursor and clientState stay for the next activation.
 */
export async function deactivate(
	graph: GraphTransport,
	stored: PushStore,
	urls?: WebhookUrls,
): Promise<PushStore> {
	const state = readPushState(stored.push);
	if (state.subscription) await deleteSubscription(graph, state.subscription);
	const lookup = urls ?? state.subscription;
	if (lookup) {
		for (const sub of await findByUrl(graph, lookup))
			if (sub.id !== state.subscription?.id) await deleteSubscription(graph, sub);
	}
	return { ...stored, push: { clientState: state.clientState } };
}

export type Verdict = { status: 403 | 503 } | { status: 202; lifecycleEvents: string[] };

/**
 * Checks an incoming batch against the stored clientState (before anything else happens): 403 when it
 * does not match. 503 when no clientState is stored yet: the first activation has subscribed but n8n
 * saves the static data only when activation ends, so Graph is asked to retry rather than told no.
 */
export function checkBatch(stored: PushStore, body: unknown): Verdict {
	const clientState = readPushState(stored.push).clientState;
	if (clientState === undefined) return { status: 503 };
	const batch = verifyNotifications(body, clientState);
	return batch.authentic
		? { status: 202, lifecycleEvents: batch.lifecycleEvents }
		: { status: 403 };
}

export interface NotificationResult {
	store: PushStore;
	items: ChangeItem[];
	/** What happened to the subscription, if anything. */
	subscription?: EnsureAction | 'renewed';
}

/**
 * After an authentic batch was acknowledged: renew on reauthorizationRequired (or near expiry),
 * recreate when removed, then read delta from the stored link and return the changes in scope.
 */
export async function onNotification(
	graph: GraphTransport,
	stored: PushStore,
	scope: DirectoryScope,
	urls: WebhookUrls,
	lifecycleEvents: string[],
): Promise<NotificationResult> {
	let push = readPushState(stored.push);
	const removed = lifecycleEvents.includes('subscriptionRemoved');
	if (removed) push = { clientState: push.clientState };
	const maintained = await maintainSubscription(graph, push, urls, {
		force: removed || lifecycleEvents.includes('reauthorizationRequired'),
	});
	if (maintained) push = maintained.state;
	const cursor = readCursor((stored.cursor ?? {}) as unknown as Record<string, unknown>, scope);
	const result = await pollDirectory(graph, {
		scope,
		emitExisting: false,
		stored: (cursor ?? {}) as unknown as Record<string, unknown>,
	});
	return {
		store: { push, cursor: result.cursor ?? cursor },
		items: result.items,
		subscription: maintained?.action,
	};
}
