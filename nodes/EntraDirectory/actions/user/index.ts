import type { INodeProperties } from 'n8n-workflow';

import { userScopeProperties } from '../../../helpers/entra';
import type { OperationExecute } from '../common';
import * as get from './get';
import * as getAll from './getAll';
import * as getChanges from './getChanges';
import * as update from './update';

export const userOperations: Record<string, OperationExecute> = {
	get: get.execute,
	getAll: getAll.execute,
	getChanges: getChanges.execute,
	update: update.execute,
};

/** The shared scope parameters; Get reads attributes too (but no filters or group). */
const scopeProperties = userScopeProperties({
	resource: ['user'],
	operation: ['getAll', 'getChanges'],
}).map((p) =>
	p.name === 'attributes' || p.name === 'extraAttributes'
		? {
				...p,
				displayOptions: {
					show: { resource: ['user'], operation: ['getAll', 'getChanges', 'get'] },
				},
			}
		: p,
);

export const userDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a user',
				description: 'Get one user by ID or user principal name',
			},
			{
				name: 'Get Changes',
				value: 'getChanges',
				action: 'Get changed users',
				description: 'Users created, changed or removed since a delta link',
			},
			{ name: 'Get Many', value: 'getAll', action: 'Get many users', description: 'List users' },
			{
				name: 'Update',
				value: 'update',
				action: 'Update a user',
				description: 'Change attributes of a user',
			},
		],
		default: 'getAll',
	},
	// userId (get, update) first, then the scope, then each operation's own parameters.
	{
		displayName: 'User',
		name: 'userId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'adele.vance@contoso.com',
		description: 'Object ID or user principal name',
		displayOptions: { show: { resource: ['user'], operation: ['get', 'update'] } },
	},
	...scopeProperties,
	...getChanges.description,
	...getAll.description,
	...update.description,
];
