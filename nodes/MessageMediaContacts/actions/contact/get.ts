import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem, parseId } from '../common';
import { contactIdProperty } from './fields';

export const description: INodeProperties[] = [contactIdProperty('get')];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const contactId = parseId(this.getNodeParameter('contactId', itemIndex), 'contactId');
		return (await client.getContact(contactId)) as unknown as IDataObject;
	});
}
