import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { buildCreateContactRequest } from '../../../../lib/messagemedia/contact-request';
import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { customFieldsOnce, forEachItem, parseIds } from '../common';
import { readContactInput } from './fields';

export const description: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { resource: ['contact'], operation: ['create'] } },
		options: [
			{
				displayName: 'List Names or IDs',
				name: 'listIds',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getLists' },
				default: [],
				description:
					'Lists the new contact joins. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
		],
	},
];

/** One POST per item. Not retried blindly: a 409 (the number already exists) surfaces as an error. */
export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	const customFields = customFieldsOnce(client);
	return await forEachItem(this, async (itemIndex) => {
		const input = readContactInput(this, itemIndex);
		if (!input) return undefined;
		const options = this.getNodeParameter('options', itemIndex, {}) as { listIds?: unknown };
		const listIds = parseIds(options.listIds, 'listIds');
		const body = buildCreateContactRequest(
			{ ...input, listIds },
			input.customFields ? await customFields() : [],
		);
		return (await client.createContact(body)) as unknown as IDataObject;
	});
}
