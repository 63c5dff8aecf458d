import type { INodeProperties } from 'n8n-workflow';

import type { OperationExecute } from '../common';
import * as create from './create';
import * as del from './delete';
import { contactFieldsProperty } from './fields';
import * as get from './get';
import * as getAll from './getAll';
import { syncDescription } from './syncDescription';
import * as update from './update';

/** Contact operations other than Sync (which has its own signature and two outputs). */
export const contactOperations: Record<string, OperationExecute> = {
	create: create.execute,
	delete: del.execute,
	get: get.execute,
	getAll: getAll.execute,
	update: update.execute,
};

export const contactDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a contact',
				description: 'Create one contact per item',
			},
			{ name: 'Delete', value: 'delete', action: 'Delete a contact' },
			{ name: 'Get', value: 'get', action: 'Get a contact' },
			{ name: 'Get Many', value: 'getAll', action: 'Get many contacts' },
			{
				name: 'Sync',
				value: 'sync',
				action: 'Sync contacts from directory items',
				description:
					'Create, update and remove contacts so they match the Contact Mapper items (two outputs: outcomes and summary)',
			},
			{ name: 'Update', value: 'update', action: 'Update a contact' },
		],
		default: 'sync',
	},
	// contactId (get, delete, update) comes before the field mapping (create, update), options after it.
	...get.description,
	...del.description,
	...update.description,
	contactFieldsProperty,
	...create.description,
	...getAll.description,
	...syncDescription,
];
