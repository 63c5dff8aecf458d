import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { forEachItem, parseId } from '../common';
import { contactIdProperty } from './fields';

export const description: INodeProperties[] = [contactIdProperty('delete')];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const contactId = parseId(this.getNodeParameter('contactId', itemIndex), 'contactId');
		await client.deleteContact(contactId);
		return { id: contactId, deleted: true };
	});
}
