/**
 * The one n8n execution context for node tests: n8n-core's own context classes (the ones n8n runs a
 * node with) over a one-node workflow, so parameters resolve exactly as in n8n:
 *
 * - the workflow fills in each parameter's default from the node description (`Workflow`);
 * - `getNodeParameter` reads dotted and indexed paths (`options.dryRun`, `mapping.rows[0].source`),
 *   falls back to the given fallback, throws `Could not get parameter` when there is neither, and
 *   evaluates `={{ … }}` expressions per input item;
 * - `{ extractValue: true }` turns a resource locator `{ __rl, mode, value }` into its value;
 * - `getCredentials(type)` checks the node declares that credential, that it is shown for the current
 *   parameters and that one is selected (as n8n does), then returns the decrypted fields given here;
 * - `continueOnFail()` follows the node's On Error setting, `getWorkflowStaticData('node')` the
 *   workflow's static data, `getNodeWebhookUrl` the webhook base URLs, `helpers` and `logger` are n8n's.
 *
 * Nothing here talks to a database; the one service n8n-core needs, its instance settings, reads a
 * settings file from the run's n8n user folder.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsHelper,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IPollFunctions,
	IWebhookData,
	IWebhookFunctions,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow, createRunExecutionData } from 'n8n-workflow';
import {
	CredentialTestContext,
	ExecuteContext,
	HookContext,
	LoadOptionsContext,
	PollContext,
	WebhookContext,
} from 'n8n-core';

// n8n-core keeps its instance settings in N8N_USER_FOLDER, which jest's global setup points at a
// folder of the run (test/support/jest/global-setup.ts); never the developer's own ~/.n8n.
if (!process.env.N8N_USER_FOLDER)
	throw new Error('run node tests through jest (jest.config.js sets up an n8n user folder)');

/** Where n8n would serve this instance (webhook URLs are built from these). */
export const N8N_BASE = 'https://n8n.example.com';

export interface NodeContextOptions {
	/** The node's parameters as the workflow stores them; every other parameter gets its default. */
	parameters?: INodeParameters;
	/** Decrypted credential fields by credential type; each one given is also selected on the node. */
	credentials?: Record<string, object>;
	/** Node settings: name, webhookId (default `w1`), …; `credentials` here overrides the selection. */
	node?: Partial<INode>;
	/** The node's On Error setting is "Continue" (n8n's `continueOnFail()`). */
	continueOnFail?: boolean;
	/** The node's static data (`getWorkflowStaticData('node')`), shared with the caller and mutated in place. */
	staticData?: IDataObject;
	/** Execution mode: `manual` is a test run from the editor, `trigger`/`webhook` production. */
	mode?: WorkflowExecuteMode;
	/** n8n's own address (its WEBHOOK_URL), `N8N_BASE` unless told. */
	baseUrl?: string;
}

export interface ExecuteContextOptions extends NodeContextOptions {
	/** Input items (plain objects become `{ json }`); one empty item when not given, as n8n passes. */
	items?: Array<INodeExecutionData | IDataObject>;
}

export interface WebhookRequest {
	query?: IDataObject;
	body?: unknown;
	headers?: Record<string, string>;
}

/** What a node wrote to the webhook response (`getResponseObject()`). */
export interface WebhookResponse {
	status?: number;
	headers: Record<string, string>;
	type?: string;
	body?: unknown;
	ended: boolean;
}

class TestCredentialsHelper {
	readonly requested: string[] = [];

	constructor(private readonly credentials: Record<string, object>) {}

	async getDecrypted(
		_additionalData: unknown,
		_nodeCredentials: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		this.requested.push(type);
		const data = this.credentials[type];
		if (data === undefined) throw new Error(`the test gave no ${type} credential`);
		return structuredClone(data) as ICredentialDataDecryptedObject;
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	getParentTypes(): string[] {
		return [];
	}

	getCredentialsProperties(): [] {
		return [];
	}
}

function nodeTypesOf(nodeType: INodeType): INodeTypes {
	return {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
}

/** A node of this type in a one-node workflow, with defaults filled in the way n8n loads a workflow. */
export function workflowWith(
	nodeType: INodeType,
	options: NodeContextOptions = {},
): { workflow: Workflow; node: INode } {
	const { description } = nodeType;
	const version = Array.isArray(description.version)
		? Math.max(...description.version)
		: description.version;
	const selected = Object.fromEntries(
		Object.keys(options.credentials ?? {}).map((type) => [type, { id: `${type}-1`, name: type }]),
	);
	const node: INode = {
		id: 'node-1',
		name: description.defaults.name ?? description.displayName,
		type: `n8n-nodes-entra-sync.${description.name}`,
		typeVersion: version,
		position: [0, 0],
		webhookId: description.webhooks ? 'w1' : undefined,
		parameters: structuredClone(options.parameters ?? {}),
		...(Object.keys(selected).length > 0 ? { credentials: selected } : {}),
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...options.node,
	};
	const staticData =
		options.staticData === undefined ? {} : { [`node:${node.name}`]: options.staticData };
	const workflow = new Workflow({
		id: 'wf-1',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: nodeTypesOf(nodeType),
		staticData,
	});
	return { workflow, node: workflow.getNode(node.name)! };
}

function additionalData(
	credentials: TestCredentialsHelper,
	node: INode,
	base = N8N_BASE,
	extra: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: credentials as unknown as ICredentialsHelper,
		executionId: 'execution-1',
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		currentNodeParameters: node.parameters,
		variables: {},
		...extra,
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** The credential types the node asked for, in order (`getCredentials` calls that reached n8n's helper). */
export type RequestedCredentials = { requestedCredentials: string[] };

/** `this` of a node's `execute()`: an n8n-core ExecuteContext. `hints` holds `addExecutionHints`. */
export function executeContext(
	nodeType: INodeType,
	options: ExecuteContextOptions = {},
): IExecuteFunctions & RequestedCredentials {
	const { workflow, node } = workflowWith(nodeType, options);
	const items = (options.items ?? [{}]).map((item) =>
		'json' in item && typeof item.json === 'object'
			? (item as INodeExecutionData)
			: { json: item as IDataObject },
	);
	const helper = new TestCredentialsHelper(options.credentials ?? {});
	const inputData = { main: [items] };
	const executeData = { node, data: inputData, source: { main: [{ previousNode: 'Start' }] } };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData(helper, node, options.baseUrl),
		options.mode ?? 'manual',
		createRunExecutionData(),
		0,
		items,
		inputData,
		executeData,
		[],
	);
	return Object.assign(context, { requestedCredentials: helper.requested });
}

/** Runs a node's `execute()` in an ExecuteContext built from these options. */
export async function execute(
	nodeType: INodeType,
	options: ExecuteContextOptions = {},
): Promise<INodeExecutionData[][]> {
	if (!nodeType.execute) throw new Error(`${nodeType.description.name} has no execute()`);
	return (await nodeType.execute.call(executeContext(nodeType, options))) as INodeExecutionData[][];
}

/** `this` of a polling trigger's `poll()`; mode `trigger` unless told (`manual` is "Fetch Test Event"). */
export function pollContext(nodeType: INodeType, options: NodeContextOptions = {}): IPollFunctions {
	const { workflow, node } = workflowWith(nodeType, options);
	const helper = new TestCredentialsHelper(options.credentials ?? {});
	return new PollContext(
		workflow,
		node,
		additionalData(helper, node, options.baseUrl),
		options.mode ?? 'trigger',
		'activate',
	);
}

/** `this` of a webhook node's `webhookMethods` (checkExists, create, delete) for the webhook `name`. */
export function hookContext(
	nodeType: INodeType,
	options: NodeContextOptions & { webhookName?: string } = {},
): IHookFunctions {
	const { workflow, node } = workflowWith(nodeType, options);
	const helper = new TestCredentialsHelper(options.credentials ?? {});
	const mode = options.mode ?? 'trigger';
	return new HookContext(
		workflow,
		node,
		additionalData(helper, node, options.baseUrl),
		mode,
		'activate',
		webhookData(nodeType, node, options.webhookName, mode),
	);
}

function webhookData(
	nodeType: INodeType,
	node: INode,
	name = 'default',
	mode: WorkflowExecuteMode,
): IWebhookData {
	const webhookDescription = nodeType.description.webhooks?.find(
		(webhook) => webhook.name === name,
	);
	if (!webhookDescription)
		throw new Error(`${nodeType.description.name} has no webhook named ${name}`);
	return {
		httpMethod: webhookDescription.httpMethod,
		node: node.name,
		path: String(webhookDescription.path),
		webhookDescription,
		workflowId: 'wf-1',
		webhookId: node.webhookId,
		isTest: mode === 'manual',
	} as IWebhookData;
}

/** `this` of a node's `webhook()` for one request; `response` records what the node sent back. */
export function webhookContext(
	nodeType: INodeType,
	request: WebhookRequest,
	options: NodeContextOptions & { webhookName?: string } = {},
): { context: IWebhookFunctions; response: WebhookResponse } {
	const { workflow, node } = workflowWith(nodeType, options);
	const helper = new TestCredentialsHelper(options.credentials ?? {});
	const response: WebhookResponse = { headers: {}, ended: false };
	const res = {
		status: (code: number) => ((response.status = code), res),
		setHeader: (name: string, value: string) => ((response.headers[name] = value), res),
		type: (type: string) => ((response.type = type), res),
		send: (body: unknown) => ((response.body = body), (response.ended = true), res),
		json: (body: unknown) => ((response.body = body), (response.ended = true), res),
		end: () => ((response.ended = true), res),
	};
	const httpRequest = {
		query: request.query ?? {},
		body: request.body ?? {},
		headers: request.headers ?? {},
		params: {},
	};
	const mode = options.mode ?? 'webhook';
	const data = additionalData(helper, node, options.baseUrl, {
		httpRequest,
		httpResponse: res,
	} as unknown as Partial<IWorkflowExecuteAdditionalData>);
	const context = new WebhookContext(
		workflow,
		node,
		data,
		mode,
		webhookData(nodeType, node, options.webhookName, mode),
		[],
		null,
	);
	return { context, response };
}

/** `this` of a node's `methods.loadOptions` / `resourceMapping` while the node's parameters are open in the editor. */
export function loadOptionsContext(
	nodeType: INodeType,
	options: NodeContextOptions & { path?: string } = {},
): ILoadOptionsFunctions {
	const { workflow, node } = workflowWith(nodeType, options);
	const helper = new TestCredentialsHelper(options.credentials ?? {});
	return new LoadOptionsContext(
		workflow,
		node,
		additionalData(helper, node, options.baseUrl),
		options.path ?? 'parameters',
	);
}

/** `this` of a credential test method (`methods.credentialTest`), as n8n calls it from the credential dialog. */
export function credentialTestContext(): ICredentialTestFunctions {
	return new CredentialTestContext();
}
