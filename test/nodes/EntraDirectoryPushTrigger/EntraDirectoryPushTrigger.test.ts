/**
 * The Entra Directory Push Trigger node's n8n glue against nock: the handshake answer, a refused
 * clientState, the 202 before delta is read, the items and the static data, and the webhook methods.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';

import { scopeHash } from '../../../lib/entra/poll';
import { EntraDirectoryPushTrigger } from '../../../nodes/EntraDirectoryPushTrigger/EntraDirectoryPushTrigger.node';
import { hookContext, webhookContext, type NodeContextOptions } from '../../support/n8n-context';
import { GRAPH, fields, page, useNockedEntra } from '../../unit/entra/helpers';

const SUB_ID = '7f105c7d-2dc5-4530-97cd-4e7ae6534c07';
const STATE = 's'.repeat(64);
const URLS = {
	notificationUrl: 'https://n8n.example.com/webhook/w1/notify',
	lifecycleNotificationUrl: 'https://n8n.example.com/webhook/w1/lifecycle',
};
const link = (token: string) => `${GRAPH}/v1.0/users/delta?$deltatoken=${token}`;
const scope = { select: ['displayName', 'mobilePhone'], filters: [], group: undefined };
const trigger = new EntraDirectoryPushTrigger();

function options(staticData: IDataObject, mode = 'trigger', baseUrl?: string): NodeContextOptions {
	return {
		parameters: { attributes: ['displayName', 'mobilePhone'] },
		credentials: { entraSyncEntraIdApi: fields() },
		staticData,
		mode: mode as NodeContextOptions['mode'],
		baseUrl,
	};
}

/** One request to the trigger's notification webhook; `response` is what it answered. */
function notify(staticData: IDataObject, query: IDataObject, body: IDataObject) {
	return webhookContext(trigger, { query, body }, options(staticData, 'webhook'));
}

describe('Entra Directory Push Trigger node', () => {
	useNockedEntra();

	it('answers the validation handshake with the token as text/plain and starts nothing', async () => {
		const { context, response } = notify({}, { validationToken: 'Validation: token 1' }, {});
		const result = await trigger.webhook.call(context);
		expect(response).toEqual({
			status: 200,
			headers: {},
			type: 'text/plain',
			body: 'Validation: token 1',
			ended: true,
		});
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('refuses a notification without our clientState with 403: no Graph call, nothing emitted; 503 (retry) before activation saved one', async () => {
		nock.cleanAll();
		const staticData: IDataObject = { push: { clientState: STATE } };
		const refused = notify(
			staticData,
			{},
			{ value: [{ clientState: 'guess', subscriptionId: SUB_ID }] },
		);
		const result = await trigger.webhook.call(refused.context);
		expect(refused.response).toEqual({ status: 403, headers: {}, ended: true });
		expect(result).toEqual({ noWebhookResponse: true });
		const early = notify({}, {}, { value: [{ clientState: STATE }] });
		await trigger.webhook.call(early.context);
		expect(early.response).toEqual({ status: 503, headers: { 'Retry-After': '5' }, ended: true });
	});

	it('acknowledges with 202, then reads delta from the stored link and emits the changes; the cursor advances', async () => {
		const staticData: IDataObject = {
			push: {
				clientState: STATE,
				subscription: {
					id: SUB_ID,
					expirationDateTime: new Date(Date.now() + 20 * 86_400_000).toISOString(),
					...URLS,
				},
			},
			cursor: { deltaLink: link('d1'), scopeHash: scopeHash(scope), lastPollAt: '' },
		};
		let acknowledgedBeforeRead = false;
		const { context, response } = notify(
			staticData,
			{},
			{ value: [{ clientState: STATE, subscriptionId: SUB_ID, changeType: 'updated' }] },
		);
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'd1')
			.reply(() => {
				acknowledgedBeforeRead = response.status === 202 && response.ended;
				return [
					200,
					page([{ id: 'u1', displayName: 'Ann', mobilePhone: '+61400000001' }], {
						'@odata.deltaLink': link('d2'),
					}),
				];
			});
		const result = await trigger.webhook.call(context);
		expect(acknowledgedBeforeRead).toBe(true);
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData?.[0].map((item) => item.json)).toEqual([
			{ id: 'u1', displayName: 'Ann', mobilePhone: '+61400000001', _delta: { fullResync: false } },
		]);
		expect((staticData.cursor as IDataObject).deltaLink).toBe(link('d2'));
	});

	it('webhook methods: create subscribes and starts the cursor, checkExists keeps it, delete unsubscribes', async () => {
		const staticData: IDataObject = {};
		const hook = hookContext(trigger, options(staticData));
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(false);
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'latest')
			.reply(200, page([], { '@odata.deltaLink': link('start') }));
		nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value: [] });
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) => body.notificationUrl === URLS.notificationUrl)
			.reply(201, {
				id: SUB_ID,
				expirationDateTime: new Date(Date.now() + 29 * 86_400_000).toISOString(),
			});
		expect(await trigger.webhookMethods.default.create.call(hook)).toBe(true);
		expect(staticData).toMatchObject({
			push: { subscription: { id: SUB_ID } },
			cursor: { deltaLink: link('start') },
		});

		nock(GRAPH)
			.get(`/v1.0/subscriptions/${SUB_ID}`)
			.reply(200, {
				id: SUB_ID,
				...URLS,
				expirationDateTime: new Date(Date.now() + 29 * 86_400_000).toISOString(),
			});
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(true);

		nock(GRAPH).delete(`/v1.0/subscriptions/${SUB_ID}`).reply(204);
		nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value: [] });
		expect(await trigger.webhookMethods.default.delete.call(hook)).toBe(true);
		expect((staticData.push as IDataObject).subscription).toBeUndefined();
		expect(nock.isDone()).toBe(true);
	});

	it('"Listen for test event" subscribes under keys of its own and leaves the published subscription and cursor alone', async () => {
		const published = {
			clientState: STATE,
			subscription: {
				id: SUB_ID,
				expirationDateTime: new Date(Date.now() + 20 * 86_400_000).toISOString(),
				...URLS,
			},
		};
		const staticData: IDataObject = {
			push: published,
			cursor: { deltaLink: link('prod'), scopeHash: scopeHash(scope), lastPollAt: '' },
		};
		const hook = hookContext(trigger, options(staticData, 'manual'));
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(false);
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'latest')
			.reply(200, page([], { '@odata.deltaLink': link('test') }));
		nock(GRAPH)
			.get('/v1.0/subscriptions')
			.reply(200, { value: [{ id: SUB_ID, ...URLS, clientState: STATE }] });
		nock(GRAPH)
			.post('/v1.0/subscriptions', (body) =>
				String(body.notificationUrl).includes('/webhook-test/'),
			)
			.reply(201, { id: 'test-sub' });
		expect(await trigger.webhookMethods.default.create.call(hook)).toBe(true);
		expect(staticData).toMatchObject({
			push: published,
			cursor: { deltaLink: link('prod') },
			testPush: { subscription: { id: 'test-sub' } },
			testCursor: { deltaLink: link('test') },
		});
		expect(nock.isDone()).toBe(true);
	});

	it('refuses to subscribe when n8n’s webhook URL is not https (WEBHOOK_URL unset behind a proxy)', async () => {
		const staticData: IDataObject = {};
		const hook = hookContext(trigger, options(staticData, 'trigger', 'http://n8n.internal:5678'));
		nock.cleanAll();
		await expect(trigger.webhookMethods.default.create.call(hook)).rejects.toThrow(/WEBHOOK_URL/);
	});
});
