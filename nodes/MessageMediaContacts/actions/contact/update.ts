import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	buildUpdateContactRequest,
	updateNeedsExistingContact,
} from '../../../../lib/messagemedia/contact-request';
import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { customFieldsOnce, forEachItem, parseId } from '../common';
import { contactIdProperty, readContactInput } from './fields';

export const description: INodeProperties[] = [contactIdProperty('update')];

/**
 * PATCH with the mapped values. The stored contact is read first only when the phone or the SMS
 * subscription state is mapped: `channels` are sent only when they change, and an existing channel keeps
 * its subscription state unless the user set one explicitly. Nothing to change → no PATCH, the stored
 * contact is returned.
 */
export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	const customFields = customFieldsOnce(client);
	return await forEachItem(this, async (itemIndex) => {
		const contactId = parseId(this.getNodeParameter('contactId', itemIndex), 'contactId');
		const input = readContactInput(this, itemIndex);
		if (!input) return undefined;
		const existing = updateNeedsExistingContact(input)
			? await client.getContact(contactId)
			: undefined;
		const body = buildUpdateContactRequest(
			input,
			input.customFields ? await customFields() : [],
			existing,
		);
		if (Object.keys(body).length === 0)
			return (existing ?? (await client.getContact(contactId))) as unknown as IDataObject;
		return (await client.updateContact(contactId, body)) as unknown as IDataObject;
	});
}
