import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
	IWebhookFunctions,
	IWebhookResponseData,
	WebhookType,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { activate, checkBatch, deactivate, onNotification } from '../../lib/entra/push';
import type { PushStore } from '../../lib/entra/push';
import { readPushState, validationToken } from '../../lib/entra/subscriptions';
import type { WebhookUrls } from '../../lib/entra/subscriptions';
import {
	entraSyncEntraIdApiTest,
	getGraphTransport,
	readUserScope,
	searchGroups,
	userScopeProperties,
} from '../helpers/entra';
import { toNodeError } from '../helpers/errors';

/** Graph's lifecycle events go to a URL of their own. */
const LIFECYCLE = 'lifecycle' as WebhookType;

/**
 * Static data keys. "Listen for test event" subscribes with the test webhook URL under keys of its own,
 * so it never touches (or deletes) the published workflow's subscription or advances its cursor.
 */
function keys(context: IHookFunctions | IWebhookFunctions): { push: string; cursor: string } {
	return context.getMode() === 'manual'
		? { push: 'testPush', cursor: 'testCursor' }
		: { push: 'push', cursor: 'cursor' };
}

function load(context: IHookFunctions | IWebhookFunctions): PushStore {
	const staticData = context.getWorkflowStaticData('node');
	const key = keys(context);
	return {
		push: staticData[key.push] as PushStore['push'],
		cursor: staticData[key.cursor] as PushStore['cursor'],
	};
}

function save(context: IHookFunctions | IWebhookFunctions, store: PushStore): void {
	const staticData = context.getWorkflowStaticData('node');
	const key = keys(context);
	staticData[key.push] = store.push as unknown as IDataObject;
	if (store.cursor) staticData[key.cursor] = store.cursor as unknown as IDataObject;
	else delete staticData[key.cursor];
}

function hookUrls(context: IHookFunctions): WebhookUrls {
	return {
		notificationUrl: String(context.getNodeWebhookUrl('default')),
		lifecycleNotificationUrl: String(context.getNodeWebhookUrl(LIFECYCLE)),
	};
}

function scopeOf(context: IHookFunctions | IWebhookFunctions) {
	return readUserScope((name, fallback, options) =>
		context.getNodeParameter(name, fallback, options),
	);
}

/**
 * Microsoft Graph change notifications on users: on activation it subscribes to `/users` with its
 * webhook URLs; a notification is acknowledged at once (202), then the node reads `/users/delta`
 * from its stored delta link and emits the changed and removed users in scope (the same items as the
 * Entra Directory Trigger). Subscription and delta logic: lib/entra/subscriptions.ts, lib/entra/push.ts.
 */
export class EntraDirectoryPushTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Entra Directory Push Trigger',
		name: 'entraDirectoryPushTrigger',
		icon: {
			light: 'file:entraDirectoryPushTrigger.svg',
			dark: 'file:entraDirectoryPushTrigger.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: 'Graph change notifications',
		description:
			'Starts the workflow seconds after users in Microsoft Entra ID change (Microsoft Graph change notifications; needs a public HTTPS URL)',
		defaults: { name: 'Entra Directory Push Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'entraSyncEntraIdApi', required: true, testedBy: 'entraSyncEntraIdApiTest' },
		],
		webhooks: [
			// Registered first: Graph validates both URLs when the subscription is created.
			{
				name: LIFECYCLE,
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'lifecycle',
				ndvHideUrl: true,
			},
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'notify' },
		],
		properties: [
			{
				displayName:
					'Microsoft Graph must reach this n8n over public HTTPS: set WEBHOOK_URL. Publish the workflow to subscribe; unpublish to unsubscribe. Pair it with the daily Entra Sync workflow as a safety net.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...userScopeProperties(),
		],
	};

	methods = { listSearch: { searchGroups }, credentialTest: { entraSyncEntraIdApiTest } };

	webhookMethods = {
		default: {
			/** Activation: keep or renew the stored subscription; false = create() must make one. */
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const stored = load(this);
				const state = readPushState(stored.push);
				if (!state.subscription) return false;
				try {
					const result = await activate(
						await getGraphTransport(this),
						stored,
						scopeOf(this),
						hookUrls(this),
					);
					save(this, result.store);
					return true;
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
			async create(this: IHookFunctions): Promise<boolean> {
				try {
					const result = await activate(
						await getGraphTransport(this),
						load(this),
						scopeOf(this),
						hookUrls(this),
					);
					save(this, result.store);
					return true;
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				try {
					save(this, await deactivate(await getGraphTransport(this), load(this), hookUrls(this)));
					return true;
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
		},
	};

	/**
	 * Starts nothing. n8n 2.x keeps a published workflow's webhooks registered across restarts and then
	 * skips checkExists/create; a node with a trigger function is registered again at every start, so
	 * after a restart the subscription is found, renewed or recreated (activation above).
	 */
	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return { closeFunction: async () => {} };
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject();
		const token = validationToken(this.getQueryData() as Record<string, unknown>);
		if (token !== undefined) {
			res.status(200).type('text/plain').send(token);
			return { noWebhookResponse: true };
		}
		const stored = load(this);
		const verdict = checkBatch(stored, this.getBodyData());
		if (verdict.status !== 202) {
			if (verdict.status === 503) res.setHeader('Retry-After', '5');
			res.status(verdict.status).end();
			return { noWebhookResponse: true };
		}
		// Graph wants an answer within 3 s: acknowledge first, then read delta.
		res.status(202).end();
		try {
			const state = readPushState(stored.push);
			const urls: WebhookUrls = state.subscription ?? {
				notificationUrl: String(this.getNodeWebhookUrl('default')),
				lifecycleNotificationUrl: String(this.getNodeWebhookUrl(LIFECYCLE)),
			};
			const graph = await getGraphTransport(this);
			const result = await onNotification(
				graph,
				stored,
				scopeOf(this),
				urls,
				verdict.lifecycleEvents,
			);
			save(this, result.store);
			if (!result.items.length) return { noWebhookResponse: true };
			return {
				noWebhookResponse: true,
				workflowData: [this.helpers.returnJsonArray(result.items as unknown as IDataObject[])],
			};
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	}
}
