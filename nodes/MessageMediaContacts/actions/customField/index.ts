import type { INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../common';
import * as create from './create';
import * as getAll from './getAll';

export const customFieldOperations: Record<string, OperationExecute> = {
	create: create.execute,
	getAll: getAll.execute,
};

export const customFieldDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['customField'] } },
		options: [
			{ name: 'Create', value: 'create', action: 'Create a custom field' },
			{ name: 'Get Many', value: 'getAll', action: 'Get many custom fields' },
		],
		default: 'getAll',
	},
	...create.description,
	...getAll.description,
];
