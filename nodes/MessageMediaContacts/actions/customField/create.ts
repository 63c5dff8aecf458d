import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../../lib/common/errors';
import type { CustomFieldType, MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem } from '../common';

const show = { resource: ['customField'], operation: ['create'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Entra Object ID',
		description: 'Label shown in MessageMedia',
		displayOptions: { show },
	},
	{
		displayName: 'Merge Tag',
		name: 'mergeTag',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. entra_object_id',
		description: 'Tag used in message templates; cannot be changed later',
		displayOptions: { show },
	},
	{
		displayName: 'Field Type',
		name: 'fieldType',
		type: 'options',
		options: [
			{ name: 'Date', value: 'DATE' },
			{ name: 'Email', value: 'EMAIL' },
			{ name: 'Name', value: 'NAME' },
			{ name: 'Number', value: 'NUMBER' },
			{ name: 'Phone', value: 'PHONE' },
			{ name: 'Text', value: 'TEXT' },
			{ name: 'URL', value: 'URL' },
			{ name: 'Zip Code', value: 'ZIP_CODE' },
		],
		default: 'TEXT',
		description: 'Type of the values; cannot be changed later',
		displayOptions: { show },
	},
	{
		displayName: 'Max Length',
		name: 'maxLength',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 100,
		description: 'Longest value the field accepts, in characters',
		displayOptions: { show },
	},
];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const label = String(this.getNodeParameter('label', itemIndex, '')).trim();
		const mergeTag = String(this.getNodeParameter('mergeTag', itemIndex, '')).trim();
		if (!label) throw new ConfigurationError('The custom field needs a label', 'label');
		if (!mergeTag) throw new ConfigurationError('The custom field needs a merge tag', 'mergeTag');
		const maxLength = Number(this.getNodeParameter('maxLength', itemIndex, 100));
		if (!Number.isInteger(maxLength) || maxLength < 1)
			throw new ConfigurationError('Max length must be a whole number, 1 or more', 'maxLength');
		const type = this.getNodeParameter('fieldType', itemIndex, 'TEXT') as CustomFieldType;
		return (await client.createCustomField({
			label,
			mergeTag,
			maxLength,
			type,
		})) as unknown as IDataObject;
	});
}
