/**
 * Graph change-notification subscriptions (lib/entra/subscriptions.ts) and the push trigger's moments
 * (lib/entra/push.ts) against nock: what is sent to Graph, what is kept, and what a notification does.
 */
import nock from 'nock';

import { ConfigurationError } from '../../../lib/common/errors';
import { scopeHash } from '../../../lib/entra/poll';
import type { DirectoryScope } from '../../../lib/entra/poll';
import { activate, checkBatch, deactivate, onNotification } from '../../../lib/entra/push';
import {
	LIFETIME_MINUTES,
	MAX_LIFETIME_MINUTES,
	assertNotificationUrl,
	ensureSubscription,
	newClientState,
	readPushState,
	verifyNotifications,
	validationToken,
} from '../../../lib/entra/subscriptions';
import type { SubscriptionRecord } from '../../../lib/entra/subscriptions';
import { GRAPH, page, transport, useNockedEntra } from './helpers';

const URLS = {
	notificationUrl: 'https://n8n.example.com/webhook/abc/notify',
	lifecycleNotificationUrl: 'https://n8n.example.com/webhook/abc/lifecycle',
};
const SUB_ID = '7f105c7d-2dc5-4530-97cd-4e7ae6534c07';
const STATE = 'c'.repeat(64);
const SCOPE: DirectoryScope = {
	select: ['displayName', 'mobilePhone'],
	filters: [{ attribute: 'department', operator: 'equals', value: 'Sales' }],
};
const link = (token: string) => `${GRAPH}/v1.0/users/delta?$deltatoken=${token}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
/** GET /subscriptions: this app's subscriptions (none by default). */
const listing = (value: unknown[] = []) =>
	nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value });

function record(overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
	return { id: SUB_ID, expirationDateTime: inDays(20), ...URLS, ...overrides };
}

function cursor(token = 'd1') {
	return {
		deltaLink: link(token),
		scopeHash: scopeHash(SCOPE),
		lastPollAt: '2026-12-01T00:00:00.000Z',
	};
}

describe('Graph subscriptions', () => {
	useNockedEntra();

	it('accepts only https notification URLs, or http on a loopback host', () => {
		expect(() => assertNotificationUrl('https://n8n.example.com/webhook/x')).not.toThrow();
		for (const url of [
			'http://127.0.0.1:5678/webhook/x',
			'http://localhost:5678/webhook/x',
			'http://[::1]:5678/webhook/x',
			'http://127.8.9.1/x',
		]) {
			expect(() => assertNotificationUrl(url)).not.toThrow();
		}
		for (const url of [
			'http://n8n.example.com/webhook/x',
			'http://10.0.0.5:5678/webhook/x',
			'ftp://127.0.0.1/x',
			'not a url',
		]) {
			expect(() => assertNotificationUrl(url)).toThrow(ConfigurationError);
		}
		expect(() => assertNotificationUrl('http://n8n.internal:5678/webhook/x')).toThrow(
			/WEBHOOK_URL/,
		);
	});

	it('makes a random clientState within Graph’s 128 characters, and reads stored state defensively', () => {
		const a = newClientState();
		expect(a).toMatch(/^[A-Za-z0-9_-]{64}$/);
		expect(newClientState()).not.toBe(a);
		expect(readPushState({ clientState: 'short', subscription: { id: '../x' } })).toEqual({});
		expect(readPushState(undefined)).toEqual({});
		const sub = record();
		expect(readPushState({ clientState: STATE, subscription: sub, extra: 1 })).toEqual({
			clientState: STATE,
			subscription: sub,
		});
	});

	it('creates a subscription on /users for updated and deleted with both URLs, the clientState and the longest lifetime', async () => {
		let sent: Record<string, unknown> = {};
		listing();
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) => ((sent = body), true))
			.reply(201, (_uri, body) => ({ id: SUB_ID, ...(body as object) }));
		const before = Date.now();
		const { state, action } = await ensureSubscription(transport(), {}, URLS);
		expect(action).toBe('created');
		expect(sent).toMatchObject({
			changeType: 'updated,deleted',
			resource: '/users',
			...URLS,
			clientState: state.clientState,
		});
		const minutes = (Date.parse(String(sent.expirationDateTime)) - before) / 60_000;
		expect(minutes).toBeGreaterThan(LIFETIME_MINUTES - 1);
		expect(minutes).toBeLessThanOrEqual(MAX_LIFETIME_MINUTES);
		expect(state.subscription).toEqual({
			id: SUB_ID,
			expirationDateTime: sent.expirationDateTime,
			...URLS,
		});
	});

	it('on activation keeps a live subscription, renews one close to expiry, recreates a gone one with the same clientState', async () => {
		nock(GRAPH)
			.get(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, { id: SUB_ID, expirationDateTime: inDays(20), ...URLS });
		expect(
			(await ensureSubscription(transport(), { clientState: STATE, subscription: record() }, URLS))
				.action,
		).toBe('found');

		const soon = inDays(1);
		nock(GRAPH)
			.get(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, { id: SUB_ID, expirationDateTime: soon, ...URLS });
		nock(GRAPH)
			.patch(
				`/v1.0/subscriptions/${SUB_ID}`,
				(body) => Object.keys(body).join() === 'expirationDateTime',
			)
			.reply(200, (_uri, body) => ({ id: SUB_ID, ...URLS, ...(body as object) }));
		const renewed = await ensureSubscription(
			transport(),
			{ clientState: STATE, subscription: record({ expirationDateTime: soon }) },
			URLS,
		);
		expect(renewed.action).toBe('renewed');
		expect(Date.parse(renewed.state.subscription!.expirationDateTime)).toBeGreaterThan(
			Date.parse(inDays(28)),
		);

		nock(GRAPH)
			.get(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(404, { error: { code: 'ResourceNotFound', message: 'The object was not found.' } });
		listing();
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) => body.clientState === STATE)
			.reply(201, { id: 'new-id-1', expirationDateTime: inDays(29) });
		const recreated = await ensureSubscription(
			transport(),
			{ clientState: STATE, subscription: record() },
			URLS,
		);
		expect(recreated).toMatchObject({
			action: 'recreated',
			state: { clientState: STATE, subscription: { id: 'new-id-1' } },
		});
		expect(nock.isDone()).toBe(true);
	});

	it('a subscription made for another webhook URL (WEBHOOK_URL changed) is deleted and replaced', async () => {
		const old = record({ notificationUrl: 'https://old.example.com/webhook/abc/notify' });
		nock(GRAPH).delete(`/v1.0/subscriptions/${SUB_ID}`).reply(204);
		listing();
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) => body.notificationUrl === URLS.notificationUrl)
			.reply(201, { id: 'new-id-2' });
		const result = await ensureSubscription(
			transport(),
			{ clientState: STATE, subscription: old },
			URLS,
		);
		expect(result.state.subscription?.id).toBe('new-id-2');
		expect(nock.isDone()).toBe(true);
	});

	it('a stale stored id: the subscription Graph has for our URL and clientState is adopted, one with another clientState deleted', async () => {
		nock(GRAPH)
			.get('/v1.0/subscriptions/stale-id')
			.reply(404, { error: { code: 'ResourceNotFound', message: 'gone' } });
		listing([
			{ id: 'other-1', ...URLS, clientState: 'someone-else', expirationDateTime: inDays(20) },
			{ id: 'real-1', ...URLS, clientState: STATE, expirationDateTime: inDays(20) },
			{
				id: 'unrelated',
				notificationUrl: 'https://elsewhere.example.com/x',
				clientState: STATE,
				expirationDateTime: inDays(20),
			},
		]);
		nock(GRAPH).delete('/v1.0/subscriptions/other-1').reply(204);
		const result = await ensureSubscription(
			transport(),
			{ clientState: STATE, subscription: record({ id: 'stale-id' }) },
			URLS,
		);
		expect(result).toMatchObject({ action: 'found', state: { subscription: { id: 'real-1' } } });
		expect(nock.isDone()).toBe(true);
	});

	it('checks clientState on every entry of a batch and reads lifecycle events', () => {
		const entry = {
			subscriptionId: SUB_ID,
			changeType: 'updated',
			clientState: STATE,
			resource: 'Users/1',
			resourceData: { id: '1' },
		};
		expect(verifyNotifications({ value: [entry, entry] }, STATE)).toMatchObject({
			authentic: true,
			lifecycleEvents: [],
		});
		expect(
			verifyNotifications(
				{ value: [entry, { ...entry, clientState: 'x' + STATE.slice(1) }] },
				STATE,
			).authentic,
		).toBe(false);
		expect(
			verifyNotifications({ value: [{ ...entry, clientState: undefined }] }, STATE).authentic,
		).toBe(false);
		expect(verifyNotifications({ value: [entry] }, undefined).authentic).toBe(false);
		expect(verifyNotifications({ value: [] }, STATE).authentic).toBe(false);
		expect(verifyNotifications('junk', STATE).authentic).toBe(false);
		expect(
			verifyNotifications(
				{
					value: [
						{
							subscriptionId: SUB_ID,
							clientState: STATE,
							lifecycleEvent: 'reauthorizationRequired',
						},
					],
				},
				STATE,
			).lifecycleEvents,
		).toEqual(['reauthorizationRequired']);
		expect(validationToken({ validationToken: 'Validation: abc' })).toBe('Validation: abc');
		expect(validationToken({})).toBeUndefined();
	});
});

describe('push trigger moments', () => {
	useNockedEntra();

	it('activation starts the delta cursor from now, then subscribes', async () => {
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'latest')
			.reply(200, page([], { '@odata.deltaLink': link('start') }));
		listing();
		nock(GRAPH)
			.post('/v1.0/subscriptions')
			.reply(201, { id: SUB_ID, expirationDateTime: inDays(29) });
		const result = await activate(transport(), {}, SCOPE, URLS);
		expect(result).toMatchObject({
			action: 'created',
			cursorStarted: true,
			store: { cursor: { deltaLink: link('start') }, push: { subscription: { id: SUB_ID } } },
		});
	});

	it('re-activation (n8n restart) keeps the stored cursor, so changes made meanwhile come with the next notification', async () => {
		nock(GRAPH)
			.get(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, { id: SUB_ID, expirationDateTime: inDays(20), ...URLS });
		const result = await activate(
			transport(),
			{ cursor: cursor('kept'), push: { clientState: STATE, subscription: record() } },
			SCOPE,
			URLS,
		);
		expect(result).toMatchObject({
			action: 'found',
			cursorStarted: false,
			store: { cursor: { deltaLink: link('kept') } },
		});
	});

	it('a notification reads delta from the stored link and returns the changes in scope; a replay returns nothing new', async () => {
		const store = { cursor: cursor('d1'), push: { clientState: STATE, subscription: record() } };
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'd1')
			.reply(
				200,
				page(
					[
						{ id: 'u1', displayName: 'Ann', mobilePhone: '+61400000001', department: 'Sales' },
						{ id: 'u2', department: 'Eng' },
						{ id: 'u3', '@removed': { reason: 'deleted' } },
					],
					{ '@odata.deltaLink': link('d2') },
				),
			);
		const first = await onNotification(transport(), store, SCOPE, URLS, []);
		expect(
			first.items.map((i) => [
				i.id,
				'@removed' in i ? (i as { '@removed': { reason: string } })['@removed'].reason : 'changed',
			]),
		).toEqual([
			['u1', 'changed'],
			['u2', 'outOfScope'],
			['u3', 'deleted'],
		]);
		expect(first.store.cursor?.deltaLink).toBe(link('d2'));
		expect(first.subscription).toBeUndefined();

		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'd2')
			.reply(200, page([], { '@odata.deltaLink': link('d3') }));
		const replay = await onNotification(transport(), first.store, SCOPE, URLS, []);
		expect(replay.items).toEqual([]);
		expect(nock.isDone()).toBe(true);
	});

	it('reauthorizationRequired renews, a notification near expiry renews, subscriptionRemoved recreates', async () => {
		const base = { cursor: cursor('d1'), push: { clientState: STATE, subscription: record() } };
		const delta = () =>
			nock(GRAPH)
				.get('/v1.0/users/delta')
				.query(true)
				.reply(200, page([], { '@odata.deltaLink': link('d9') }));
		nock(GRAPH)
			.patch(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, { id: SUB_ID, expirationDateTime: inDays(29) });
		delta();
		expect(
			(await onNotification(transport(), base, SCOPE, URLS, ['reauthorizationRequired']))
				.subscription,
		).toBe('renewed');

		nock(GRAPH)
			.patch(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, { id: SUB_ID, expirationDateTime: inDays(29) });
		delta();
		const near = {
			...base,
			push: { clientState: STATE, subscription: record({ expirationDateTime: inDays(2) }) },
		};
		expect((await onNotification(transport(), near, SCOPE, URLS, [])).subscription).toBe('renewed');

		listing();
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) => body.clientState === STATE)
			.reply(201, { id: 'new-id-3', expirationDateTime: inDays(29) });
		delta();
		const removed = await onNotification(transport(), base, SCOPE, URLS, ['subscriptionRemoved']);
		expect(removed).toMatchObject({
			subscription: 'created',
			store: { push: { subscription: { id: 'new-id-3' } } },
		});
		expect(nock.isDone()).toBe(true);
	});

	it('a forged batch is refused before anything is read; deactivation deletes the subscription and keeps the cursor', async () => {
		const store = { cursor: cursor('d1'), push: { clientState: STATE, subscription: record() } };
		expect(checkBatch(store, { value: [{ clientState: 'guess' }] })).toEqual({ status: 403 });
		// Nothing stored yet (first activation still saving): Graph is asked to retry.
		expect(checkBatch({}, { value: [{ clientState: STATE }] })).toEqual({ status: 503 });
		expect(checkBatch(store, { value: [{ clientState: STATE }] })).toEqual({
			status: 202,
			lifecycleEvents: [],
		});

		nock(GRAPH).delete(`/v1.0/subscriptions/${SUB_ID}`).reply(204);
		listing([{ id: 'left-over', ...URLS, clientState: STATE }]);
		nock(GRAPH).delete('/v1.0/subscriptions/left-over').reply(204);
		const after = await deactivate(transport(), store, URLS);
		expect(after).toEqual({ cursor: store.cursor, push: { clientState: STATE } });
		nock(GRAPH)
			.delete(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(404, { error: { code: 'ResourceNotFound', message: 'gone' } });
		listing();
		await expect(deactivate(transport(), store, URLS)).resolves.toBeDefined();
		expect(nock.isDone()).toBe(true);
	});
});
