import type { INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../common';
import * as getAll from './getAll';

export const groupOperations: Record<string, OperationExecute> = {
	getAll: getAll.execute,
};

export const groupDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['group'] } },
		options: [
			{ name: 'Get Many', value: 'getAll', action: 'Get many groups', description: 'List groups' },
		],
		default: 'getAll',
	},
	...getAll.description,
];
