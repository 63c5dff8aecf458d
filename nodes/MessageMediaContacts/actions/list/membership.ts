import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { ConfigurationError } from '../../../../lib/common/errors';
import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { isEmptyPlaceholder } from '../../../../lib/types';
import { errorItemJson, toNodeError } from '../../../helpers/errors';
import { parseId, parseIds } from '../common';

/** `listId` and `contactIds` for Add Contacts / Remove Contacts. */
export function membershipDescription(
	operation: 'addContacts' | 'removeContacts',
): INodeProperties[] {
	const show = { resource: ['list'], operation: [operation] };
	return [
		{
			displayName: 'List Name or ID',
			name: 'listId',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getLists' },
			default: '',
			required: true,
			description:
				'The list to change. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: { show },
		},
		{
			displayName: 'Contact IDs',
			name: 'contactIds',
			type: 'string',
			default: '',
			required: true,
			placeholder: '3fa85f64-5717-4562-b3fc-2c963f66afa6, 4a03d2d8-1f85-463f-bdb4-2891c17258a7',
			description:
				'Contact IDs (UUIDs): one, several separated by commas, or an array from an expression. Items are gathered per list and sent through the bulk endpoint, at most 1000 IDs per request.',
			displayOptions: { show },
		},
	];
}

/**
 * Gathers the contact ids of all items per list, then changes membership with the bulk endpoint (the
 * client chunks by 1000), so 2500 items with one id each cost 3 requests, not 2500. Each input item gets
 * one output item; if a list's request fails, every item of that list fails.
 */
export async function changeMembership(
	context: IExecuteFunctions,
	client: MessageMediaClient,
	change: 'add' | 'remove',
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const out: INodeExecutionData[] = [];
	const byList = new Map<string, Array<{ itemIndex: number; contactIds: string[] }>>();

	const fail = (error: unknown, itemIndex: number) => {
		if (!context.continueOnFail()) throw toNodeError(context.getNode(), error, itemIndex);
		out.push({ json: errorItemJson(error), pairedItem: { item: itemIndex } });
	};

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const contactIds = parseIds(context.getNodeParameter('contactIds', itemIndex), 'contactIds');
			if (contactIds.length === 0) {
				if (isEmptyPlaceholder(items[itemIndex].json)) continue;
				throw new ConfigurationError('No contact IDs given', 'contactIds');
			}
			const listId = parseId(context.getNodeParameter('listId', itemIndex), 'listId');
			const group = byList.get(listId) ?? [];
			group.push({ itemIndex, contactIds });
			byList.set(listId, group);
		} catch (error) {
			fail(error, itemIndex);
		}
	}

	for (const [listId, group] of byList) {
		const ids = group.flatMap((entry) => entry.contactIds);
		try {
			await client.modifyListMembers(listId, change === 'add' ? { add: ids } : { remove: ids });
		} catch (error) {
			for (const entry of group) fail(error, entry.itemIndex);
			continue;
		}
		for (const entry of group) {
			const json = {
				listId,
				contactIds: entry.contactIds,
				[change === 'add' ? 'added' : 'removed']: entry.contactIds.length,
			};
			out.push({ json, pairedItem: { item: entry.itemIndex } });
		}
	}
	return out.sort(
		(a, b) => (a.pairedItem as { item: number }).item - (b.pairedItem as { item: number }).item,
	);
}
