/** The Sync operation's parameters (Contact → Sync), in the order the editor shows them. */

import type { INodeProperties } from 'n8n-workflow';

import { MAX_CONCURRENCY } from '../../../../lib/sync';

const show = { resource: ['contact'], operation: ['sync'] };

/**
 * Directions that write to the directory: the Entra ID credential and the write-back settings are shown
 * for them only. Writing to the directory is always chosen on this node, where its credential is: a
 * Contact Mapper configured two-way or reverse under "From Contact Mapper" stops the run (sync.ts).
 */
export const DIRECTORY_WRITING_DIRECTIONS = ['bidirectional', 'toDirectory'];

export const syncDescription: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		options: [
			{
				name: 'Full',
				value: 'full',
				description:
					'The input is the whole scope: contacts linked to users missing from it are removed (per Removal Policy)',
			},
			{
				name: 'Incremental',
				value: 'incremental',
				description: 'Act only on the input items (e.g. from the Entra Directory Trigger)',
			},
		],
		default: 'full',
		hint: 'E.g. Full after Entra Directory → Get Many (the daily template), Incremental after the Entra Directory Trigger',
		displayOptions: { show },
	},
	{
		displayName: 'Direction',
		name: 'direction',
		type: 'options',
		options: [
			{
				name: 'Both Ways',
				value: 'bidirectional',
				description:
					'Changes on either side reach the other; a field both sides changed since the last sync is settled by Authority. Needs an Entra ID credential.',
			},
			{
				name: 'Directory → MessageMedia',
				value: 'toMessaging',
				description: 'One-way: contacts follow the directory',
			},
			{
				name: 'From Contact Mapper',
				value: 'fromMapper',
				description:
					'One-way, as the Contact Mapper\'s configuration says ("direction": "one-way", or none). A configuration asking for "bidirectional" or "reverse" stops the run: choose Both Ways or MessageMedia → Directory here.',
			},
			{
				name: 'MessageMedia → Directory',
				value: 'toDirectory',
				description:
					"Write-back only: linked contacts' mapped fields (e.g. phone → mobilePhone) are written to Entra ID; contacts are never changed. Needs an Entra ID credential.",
			},
		],
		default: 'fromMapper',
		description:
			'Which way changes flow. Writing to Entra ID (Both Ways, MessageMedia → Directory) asks for an Entra ID credential.',
		hint: 'E.g. Directory → MessageMedia for a daily one-way sync; Both Ways to also write numbers changed in MessageMedia back to Entra ID',
		displayOptions: { show },
	},
	{
		displayName: 'Authority',
		name: 'authority',
		type: 'options',
		options: [
			{
				name: 'Directory Wins',
				value: 'directory',
				description: "A field both sides changed takes the directory's value",
			},
			{
				name: 'MessageMedia Wins',
				value: 'messaging',
				description: "A field both sides changed takes MessageMedia's value",
			},
			{
				name: 'Newest Change Wins',
				value: 'newest',
				description:
					"The contact's last modification against the directory change's estimated time (Graph keeps no change time per attribute; see the docs)",
			},
		],
		default: 'directory',
		description:
			'Who wins when both sides changed the same field since the last sync (both ways only)',
		displayOptions: { show: { ...show, direction: ['bidirectional'] } },
	},
	{
		displayName: 'Phone Format Written Back',
		name: 'phoneWriteFormat',
		type: 'options',
		options: [
			{ name: 'E.164', value: 'e164', description: 'E.g. +61412345678.' },
			{
				name: 'Original Style',
				value: 'original',
				description:
					'Like the number it replaces: national (0412 345 678), international (+61 412 345 678) or E.164',
			},
		],
		default: 'original',
		description: 'How a phone number changed in MessageMedia is written to the directory',
		displayOptions: { show: { ...show, direction: DIRECTORY_WRITING_DIRECTIONS } },
	},
	{
		displayName: 'Removal Policy',
		name: 'removalPolicy',
		type: 'options',
		options: [
			{
				name: 'Delete Contact',
				value: 'delete',
				description:
					'Delete the linked contact. An opted-out contact is kept (taken off the lists the sync put it on), so the opt-out is never lost.',
			},
			{
				name: 'Ignore',
				value: 'ignore',
				description: 'Leave the contact as it is (reported as skipped)',
			},
			{
				name: 'Remove From Managed Lists',
				value: 'removeFromLists',
				description:
					'Take the contact off the lists the sync put it on (and the Managed Lists); memberships added by hand stay',
			},
			{
				name: 'Unsubscribe',
				value: 'unsubscribe',
				description: 'Set the SMS channel the sync manages to UNSUBSCRIBED and keep the contact',
			},
		],
		default: 'delete',
		description:
			'What happens to the contact of a user who left the scope, was disabled or was deleted',
		hint: 'E.g. Unsubscribe to keep the contact and its history but stop messages to it',
		displayOptions: { show },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description:
			'Whether to only report the plan (creates, updates with old → new, removals) and write nothing',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Adopt Existing Contacts',
				name: 'adoptExisting',
				type: 'boolean',
				default: true,
				description:
					'Whether a contact the sync has not linked yet but that has the same SMS number is linked and updated instead of being reported as a conflict',
			},
			{
				displayName: 'Allow Removals Above Threshold',
				name: 'allowMassRemoval',
				type: 'boolean',
				default: false,
				description:
					'Whether to approve, for this run, more removals than the deletion guard allows. Turn it off again after the run.',
			},
			{
				displayName: 'Base Field Label',
				name: 'baseFieldLabel',
				type: 'string',
				default: 'Entra Sync Base',
				description:
					'Custom field where a two-way sync keeps, per contact, hashes of the values last synced (to tell which side changed); created when missing. Leave it alone.',
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY },
				default: 20,
				description:
					'The most MessageMedia requests in flight at once. The sync starts low and rises while answers come back fast and unthrottled, backs off on 429 (honouring Retry-After) and slow answers; the summary reports the level reached. Lower it to cap the load on the account.',
			},
			{
				displayName: 'Continue Without Removals',
				name: 'continueWithoutRemovals',
				type: 'boolean',
				default: false,
				description:
					'Whether, when the deletion guard trips, creates and updates still run and the removals are only reported as blocked (instead of the node failing without writing anything)',
			},
			{
				displayName: 'Create Missing Custom Fields',
				name: 'createMissingFields',
				type: 'boolean',
				default: true,
				description:
					'Whether a custom field key that matches no label or merge tag creates a text custom field (otherwise those contacts fail)',
			},
			{
				displayName: 'Create Missing Lists',
				name: 'createMissingLists',
				type: 'boolean',
				default: true,
				description:
					'Whether lists named by the input that do not exist yet are created (otherwise those contacts fail)',
			},
			{
				displayName: 'Email Field Label',
				name: 'emailFieldLabel',
				type: 'string',
				default: 'Email',
				description: 'Custom field (type Email) that holds the email address; created when missing',
			},
			{
				displayName: 'Link Field Label',
				name: 'linkFieldLabel',
				type: 'string',
				default: 'Entra Object ID',
				description:
					'Custom field that holds the Entra object ID; created when missing. Only contacts carrying it are changed or removed by the sync.',
			},
			{
				displayName: 'Managed Lists',
				name: 'managedLists',
				type: 'string',
				default: '',
				placeholder: 'Sales, Support',
				description:
					'Lists handed to the sync (comma-separated): it may take any linked contact out of them. Elsewhere it only takes away memberships it made itself (recorded on the contact).',
			},
			{
				displayName: 'Max Removal Percent',
				name: 'maxRemovalPercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 10,
				description:
					'Deletion guard: a run that would remove more than this percent of the linked contacts removes nothing',
			},
			{
				displayName: 'New Contact Subscription',
				name: 'newContactSubscription',
				type: 'options',
				options: [
					{ name: 'Account Default', value: 'unset', description: 'Send no subscription state' },
					{ name: 'Subscribed', value: 'SUBSCRIBED' },
				],
				default: 'SUBSCRIBED',
				description:
					"Subscription state of the SMS channel of contacts the sync creates. An existing channel's state is never changed.",
			},
			{
				displayName: 'Output Unchanged Contacts',
				name: 'outputUnchanged',
				type: 'boolean',
				default: false,
				description:
					'Whether contacts with nothing to write also get an outcome item. Off (default) counts them in the summary only, which keeps large runs light on memory.',
			},
			{
				displayName: 'Ownership Record Field Label',
				name: 'recordFieldLabel',
				type: 'string',
				default: 'Entra Sync State',
				description:
					'Custom field where the sync records, per contact, the number and list memberships it made (it only ever takes away what it made); created when missing. Leave it alone.',
			},
			{
				displayName: 'Removals Always Allowed',
				name: 'minRemovalsBeforeGuard',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5,
				description:
					'Deletion guard: up to this many removals per run are allowed whatever the percentage',
			},
			{
				displayName: 'Run Time Limit (Minutes)',
				name: 'runTimeLimitMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 120,
				description:
					'After this long (e.g. under persistent throttling) the run starts no further contact write, reports the rest as skipped and ends; the next run picks them up',
			},
			{
				displayName: 'Sync Scope',
				name: 'syncScope',
				type: 'string',
				default: '',
				placeholder: 'e.g. contoso or contoso-sales',
				description:
					'Name of this sync when several feed one MessageMedia account (two tenants, one workflow per partition): a full run only removes contacts of its own scope, and a user who moves to another scope keeps their contact. Leave empty for a single sync.',
			},
		],
	},
];
