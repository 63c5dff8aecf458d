import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { CustomFieldFilter, MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem, pagingDescription, readPageOptions } from '../common';

export const description: INodeProperties[] = [
	...pagingDescription('customField', 'getAll', 'custom fields'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		displayOptions: { show: { resource: ['customField'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'Label',
				name: 'label',
				type: 'string',
				default: '',
				placeholder: 'e.g. Entra Object ID',
				description: 'Only custom fields with this label',
			},
			{
				displayName: 'Merge Tag',
				name: 'mergeTag',
				type: 'string',
				default: '',
				placeholder: 'e.g. entra_object_id',
				description: 'Only the custom field with this merge tag',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as {
			label?: string;
			mergeTag?: string;
		};
		const filter: CustomFieldFilter = {};
		if (filters.label) filter.label = filters.label;
		if (filters.mergeTag) filter.mergeTag = filters.mergeTag;
		return (await client.listCustomFields(
			filter,
			readPageOptions(this, itemIndex),
		)) as unknown as IDataObject[];
	});
}
