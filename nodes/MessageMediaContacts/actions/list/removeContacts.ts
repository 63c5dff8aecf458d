import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import { changeMembership, membershipDescription } from './membership';

export const description: INodeProperties[] = membershipDescription('removeContacts');

export async function execute(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[]> {
	return await changeMembership(this, client, 'remove');
}
