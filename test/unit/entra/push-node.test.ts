/**
 * The Entra Directory Push Trigger node's n8n glue against nock: the handshake answer, a refused
 * clientState, the 202 before delta is read, the items and the static data, and the webhook methods.
 */
import nock from 'nock';
import type { IDataObject, IHookFunctions, INode, IWebhookFunctions } from 'n8n-workflow';

import { scopeHash } from '../../../lib/entra/poll';
import { clearTokenCache } from '../../../lib/entra/token';
import { EntraDirectoryPushTrigger } from '../../../nodes/EntraDirectoryPushTrigger/EntraDirectoryPushTrigger.node';
import { GRAPH, fields, nockToken, page } from './helpers';

const SUB_ID = '7f105c7d-2dc5-4530-97cd-4e7ae6534c07';
const STATE = 's'.repeat(64);
const URLS = { notificationUrl: 'https://n8n.example.com/webhook/w1/notify', lifecycleNotificationUrl: 'https://n8n.example.com/webhook/w1/lifecycle' };
const link = (token: string) => `${GRAPH}/v1.0/users/delta?$deltatoken=${token}`;
const params: Record<string, unknown> = {
	attributes: ['displayName', 'mobilePhone'],
	extraAttributes: '',
	filters: {},
	groupScope: { __rl: true, mode: 'list', value: '' },
	membership: 'transitive',
};
const scope = { select: ['displayName', 'mobilePhone'], filters: [], group: undefined };
const node: INode = { id: 'n1', name: 'Push', type: 'n8n-nodes-entra-sync.entraDirectoryPushTrigger', typeVersion: 1, position: [0, 0], parameters: {} };

function base(staticData: IDataObject, mode = 'trigger') {
	return {
		getMode: () => mode,
		getNodeParameter: (name: string, fallback?: unknown, options?: { extractValue?: boolean }) => {
			let value: unknown = params;
			for (const key of name.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
			if (value && typeof value === 'object' && '__rl' in value && options?.extractValue) value = (value as unknown as { value: unknown }).value;
			return value === undefined ? fallback : value;
		},
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => fields(),
		getNode: () => node,
		getNodeWebhookUrl: (name: string) => (name === 'default' ? URLS.notificationUrl : URLS.lifecycleNotificationUrl),
		helpers: { returnJsonArray: (items: IDataObject[]) => items.map((json) => ({ json })) },
	};
}

interface Sent {
	status?: number;
	retryAfter?: string;
	type?: string;
	body?: unknown;
	ended: boolean;
}

function webhookContext(staticData: IDataObject, query: IDataObject, body: IDataObject, sent: Sent): IWebhookFunctions {
	const res = {
		status: (code: number) => ((sent.status = code), res),
		setHeader: (name: string, value: string) => ((sent.retryAfter = name === 'Retry-After' ? value : undefined), res),
		type: (type: string) => ((sent.type = type), res),
		send: (payload: unknown) => ((sent.body = payload), (sent.ended = true), res),
		end: () => ((sent.ended = true), res),
	};
	return { ...base(staticData), getQueryData: () => query, getBodyData: () => body, getResponseObject: () => res } as unknown as IWebhookFunctions;
}

const trigger = new EntraDirectoryPushTrigger();

describe('Entra Directory Push Trigger node', () => {
	beforeAll(() => nock.disableNetConnect());
	beforeEach(() => nockToken());
	afterEach(() => {
		nock.cleanAll();
		clearTokenCache();
	});
	afterAll(() => nock.enableNetConnect());

	it('answers the validation handshake with the token as text/plain and starts nothing', async () => {
		const sent: Sent = { ended: false };
		const result = await trigger.webhook.call(webhookContext({}, { validationToken: 'Validation: token 1' }, {}, sent));
		expect(sent).toEqual({ status: 200, type: 'text/plain', body: 'Validation: token 1', ended: true });
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('refuses a notification without our clientState with 403: no Graph call, nothing emitted; 503 (retry) before activation saved one', async () => {
		nock.cleanAll();
		const sent: Sent = { ended: false };
		const staticData: IDataObject = { push: { clientState: STATE } };
		const result = await trigger.webhook.call(webhookContext(staticData, {}, { value: [{ clientState: 'guess', subscriptionId: SUB_ID }] }, sent));
		expect(sent).toEqual({ status: 403, ended: true });
		expect(result).toEqual({ noWebhookResponse: true });
		const early: Sent = { ended: false };
		await trigger.webhook.call(webhookContext({}, {}, { value: [{ clientState: STATE }] }, early));
		expect(early).toEqual({ status: 503, retryAfter: '5', ended: true });
	});

	it('acknowledges with 202, then reads delta from the stored link and emits the changes; the cursor advances', async () => {
		const staticData: IDataObject = {
			push: { clientState: STATE, subscription: { id: SUB_ID, expirationDateTime: new Date(Date.now() + 20 * 86_400_000).toISOString(), ...URLS } },
			cursor: { deltaLink: link('d1'), scopeHash: scopeHash(scope), lastPollAt: '' },
		};
		let acknowledgedBeforeRead = false;
		const sent: Sent = { ended: false };
		nock(GRAPH)
			.get('/v1.0/users/delta')
			.query((q) => q.$deltatoken === 'd1')
			.reply(() => {
				acknowledgedBeforeRead = sent.status === 202 && sent.ended;
				return [200, page([{ id: 'u1', displayName: 'Ann', mobilePhone: '+61400000001' }], { '@odata.deltaLink': link('d2') })];
			});
		const result = await trigger.webhook.call(webhookContext(staticData, {}, { value: [{ clientState: STATE, subscriptionId: SUB_ID, changeType: 'updated' }] }, sent));
		expect(acknowledgedBeforeRead).toBe(true);
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData?.[0].map((item) => item.json)).toEqual([{ id: 'u1', displayName: 'Ann', mobilePhone: '+61400000001', _delta: { fullResync: false } }]);
		expect((staticData.cursor as IDataObject).deltaLink).toBe(link('d2'));
	});

	it('webhook methods: create subscribes and starts the cursor, checkExists keeps it, delete unsubscribes', async () => {
		const staticData: IDataObject = {};
		const hook = { ...base(staticData), getWebhookName: () => 'default' } as unknown as IHookFunctions;
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(false);
		nock(GRAPH).get('/v1.0/users/delta').query((q) => q.$deltatoken === 'latest').reply(200, page([], { '@odata.deltaLink': link('start') }));
		nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value: [] });
		nock(GRAPH).post('/v1.0/subscriptions', (body) => body.notificationUrl === URLS.notificationUrl).reply(201, { id: SUB_ID, expirationDateTime: new Date(Date.now() + 29 * 86_400_000).toISOString() });
		expect(await trigger.webhookMethods.default.create.call(hook)).toBe(true);
		expect(staticData).toMatchObject({ push: { subscription: { id: SUB_ID } }, cursor: { deltaLink: link('start') } });

		nock(GRAPH).get(`/v1.0/subscriptions/${SUB_ID}`).reply(200, { id: SUB_ID, ...URLS, expirationDateTime: new Date(Date.now() + 29 * 86_400_000).toISOString() });
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(true);

		nock(GRAPH).delete(`/v1.0/subscriptions/${SUB_ID}`).reply(204);
		nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value: [] });
		expect(await trigger.webhookMethods.default.delete.call(hook)).toBe(true);
		expect((staticData.push as IDataObject).subscription).toBeUndefined();
		expect(nock.isDone()).toBe(true);
	});

	it('"Listen for test event" subscribes under keys of its own and leaves the published subscription and cursor alone', async () => {
		const published = { clientState: STATE, subscription: { id: SUB_ID, expirationDateTime: new Date(Date.now() + 20 * 86_400_000).toISOString(), ...URLS } };
		const staticData: IDataObject = { push: published, cursor: { deltaLink: link('prod'), scopeHash: scopeHash(scope), lastPollAt: '' } };
		const hook = { ...base(staticData, 'manual'), getNodeWebhookUrl: (name: string) => `https://n8n.example.com/webhook-test/w1/${name === 'default' ? 'notify' : 'lifecycle'}` } as unknown as IHookFunctions;
		expect(await trigger.webhookMethods.default.checkExists.call(hook)).toBe(false);
		nock(GRAPH).get('/v1.0/users/delta').query((q) => q.$deltatoken === 'latest').reply(200, page([], { '@odata.deltaLink': link('test') }));
		nock(GRAPH).get('/v1.0/subscriptions').reply(200, { value: [{ id: SUB_ID, ...URLS, clientState: STATE }] });
		nock(GRAPH).post('/v1.0/subscriptions', (body) => String(body.notificationUrl).includes('/webhook-test/')).reply(201, { id: 'test-sub' });
		expect(await trigger.webhookMethods.default.create.call(hook)).toBe(true);
		expect(staticData).toMatchObject({ push: published, cursor: { deltaLink: link('prod') }, testPush: { subscription: { id: 'test-sub' } }, testCursor: { deltaLink: link('test') } });
		expect(nock.isDone()).toBe(true);
	});

	it('refuses to subscribe when n8n’s webhook URL is not https (WEBHOOK_URL unset behind a proxy)', async () => {
		const staticData: IDataObject = {};
		const hook = { ...base(staticData), getNodeWebhookUrl: () => 'http://n8n.internal:5678/webhook/w1/notify' } as unknown as IHookFunctions;
		nock.cleanAll();
		await expect(trigger.webhookMethods.default.create.call(hook)).rejects.toThrow(/WEBHOOK_URL/);
	});
});
