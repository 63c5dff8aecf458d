import type { INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../common';
import * as addContacts from './addContacts';
import * as create from './create';
import * as getAll from './getAll';
import * as removeContacts from './removeContacts';

export const listOperations: Record<string, OperationExecute> = {
	addContacts: addContacts.execute,
	create: create.execute,
	getAll: getAll.execute,
	removeContacts: removeContacts.execute,
};

export const listDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['list'] } },
		options: [
			{ name: 'Add Contacts', value: 'addContacts', action: 'Add contacts to a list' },
			{ name: 'Create', value: 'create', action: 'Create a list' },
			{ name: 'Get Many', value: 'getAll', action: 'Get many lists' },
			{ name: 'Remove Contacts', value: 'removeContacts', action: 'Remove contacts from a list' },
		],
		default: 'getAll',
	},
	...addContacts.description,
	...create.description,
	...getAll.description,
	...removeContacts.description,
];
