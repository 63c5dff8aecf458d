import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { ENTRA_CREDENTIAL_TYPE, entraSyncEntraIdApiTest } from '../helpers/entra';
import { testMessageMediaCredential } from '../helpers/messagemedia';
import { contactDescription } from './actions/contact';
import { DIRECTORY_WRITING_DIRECTIONS } from './actions/contact/syncDescription';
import { getContactFields } from './actions/contact/fields';
import { customFieldDescription } from './actions/customField';
import { listDescription } from './actions/list';
import { route } from './actions/router';
import { getLists } from './methods';

/**
 * Programmatic rather than declarative: requests are HMAC-signed over the exact body bytes, Get Many
 * follows page tokens, list membership is batched across items, and Sync runs the sync engine.
 *
 * Outputs: Contact → Sync has two (0 "Outcomes": one item per contact, 1 "Summary": the run report);
 * every other operation has one.
 */
export class MessageMediaContacts implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'MessageMedia Contacts',
		name: 'messageMediaContacts',
		icon: { light: 'file:messageMediaContacts.svg', dark: 'file:messageMediaContacts.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description:
			'Sync, create, update and remove MessageMedia (Sinch Engage) SMS contacts, lists and custom fields',
		defaults: { name: 'MessageMedia Contacts' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter.resource === 'contact' && $parameter.operation === 'sync' ? [{ "type": "${NodeConnectionTypes.Main}", "displayName": "Outcomes" }, { "type": "${NodeConnectionTypes.Main}", "displayName": "Summary" }] : [{ "type": "${NodeConnectionTypes.Main}" }] }}`,
		credentials: [
			{
				name: 'entraSyncMessageMediaApi',
				required: true,
				testedBy: 'entraSyncMessageMediaApiTest',
			},
			// Write-back (Contact → Sync towards the directory) only; optional, so one-way syncs never ask for it.
			{
				name: ENTRA_CREDENTIAL_TYPE,
				required: false,
				testedBy: 'entraSyncEntraIdApiTest',
				displayOptions: {
					show: {
						resource: ['contact'],
						operation: ['sync'],
						direction: DIRECTORY_WRITING_DIRECTIONS,
					},
				},
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Contact', value: 'contact' },
					{ name: 'Custom Field', value: 'customField' },
					{ name: 'List', value: 'list' },
				],
				default: 'contact',
			},
			...contactDescription,
			...listDescription,
			...customFieldDescription,
		],
	};

	methods = {
		loadOptions: { getLists },
		resourceMapping: { getContactFields },
		credentialTest: {
			entraSyncMessageMediaApiTest: testMessageMediaCredential,
			entraSyncEntraIdApiTest,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route.call(this);
	}
}
