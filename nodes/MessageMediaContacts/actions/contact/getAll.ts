import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../../lib/common/errors';
import { PHONE_LOOKUP_CHUNK } from '../../../../lib/messagemedia/client';
import { isE164 } from '../../../../lib/messagemedia/contact-request';
import type {
	ContactFilter,
	MessageMediaClient,
	SubscriptionState,
} from '../../../../lib/messagemedia/types';
import { forEachItem, pagingDescription, parseIds, parsePhones, readPageOptions } from '../common';

export const description: INodeProperties[] = [
	...pagingDescription('contact', 'getAll', 'contacts'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		displayOptions: { show: { resource: ['contact'], operation: ['getAll'] } },
		options: [
			{
				displayName: 'List Names or IDs',
				name: 'listIds',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getLists' },
				default: [],
				description:
					'Only contacts in these lists. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Phone Numbers',
				name: 'phoneNumbers',
				type: 'string',
				default: '',
				placeholder: '+61491570156, +61491570157',
				description: `Only contacts whose SMS channel is one of these E.164 numbers (comma-separated, at most ${PHONE_LOOKUP_CHUNK})`,
			},
			{
				displayName: 'Subscription State',
				name: 'channelSubscriptionState',
				type: 'options',
				options: [
					{ name: 'Subscribed', value: 'SUBSCRIBED' },
					{ name: 'Unsubscribed', value: 'UNSUBSCRIBED' },
				],
				default: 'SUBSCRIBED',
				description: 'Only contacts with a channel in this subscription state',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await forEachItem(this, async (itemIndex) => {
		const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
		const filter: ContactFilter = {};
		const listIds = parseIds(filters.listIds, 'listIds');
		if (listIds.length) filter.listIds = listIds;
		const phones = parsePhones(filters.phoneNumbers);
		const bad = phones.find((phone) => !isE164(phone));
		if (bad !== undefined)
			throw new ConfigurationError(
				`"${bad}" is not an E.164 number such as +61491570156`,
				'phoneNumbers',
			);
		if (phones.length > PHONE_LOOKUP_CHUNK) {
			throw new ConfigurationError(
				`At most ${PHONE_LOOKUP_CHUNK} phone numbers per item; spread them over several items`,
				'phoneNumbers',
			);
		}
		if (phones.length) {
			filter.channelIds = phones;
			filter.channelTypes = ['SMS'];
		}
		if (filters.channelSubscriptionState)
			filter.channelSubscriptionState = filters.channelSubscriptionState as SubscriptionState;
		return (await client.listContacts(
			filter,
			readPageOptions(this, itemIndex),
		)) as unknown as IDataObject[];
	});
}
