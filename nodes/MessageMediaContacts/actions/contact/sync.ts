/**
 * Contact → Sync: reads the Sync parameters (syncDescription.ts), runs the sync and shapes its two
 * outputs.
 */

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ConfigurationError, ServiceApiError } from '../../../../lib/common/errors';
import { entraDirectoryWriter, SYNCED_READ_ONLY_ATTRIBUTES } from '../../../../lib/entra/users';
import type { MessageMediaClient } from '../../../../lib/messagemedia/types';
import {
	classifyInput,
	outcomesToOutput,
	resolveDirection,
	resolveSyncOptions,
	runSync,
	writesToDirectory,
	type DirectoryWriter,
	type SyncOptions,
	type SyncOutcome,
} from '../../../../lib/sync';
import { ENTRA_CREDENTIAL_TYPE, getGraphTransport } from '../../../helpers/entra';
import { errorItemJson, toNodeError } from '../../../helpers/errors';

interface SyncOptionsParameter extends Omit<Partial<SyncOptions>, 'managedLists'> {
	managedLists?: string;
	outputUnchanged?: boolean;
}

function readOptions(context: IExecuteFunctions): SyncOptions {
	const { managedLists, outputUnchanged, ...rest } = context.getNodeParameter(
		'options',
		0,
		{},
	) as SyncOptionsParameter;
	void outputUnchanged; // an output choice of the node, not a sync option
	return resolveSyncOptions({
		...rest,
		mode: context.getNodeParameter('mode', 0) as SyncOptions['mode'],
		removalPolicy: context.getNodeParameter('removalPolicy', 0) as SyncOptions['removalPolicy'],
		dryRun: context.getNodeParameter('dryRun', 0, false) as boolean,
		direction: context.getNodeParameter('direction', 0, 'fromMapper') as SyncOptions['direction'],
		authority: context.getNodeParameter('authority', 0, 'directory') as SyncOptions['authority'],
		phoneWriteFormat: context.getNodeParameter(
			'phoneWriteFormat',
			0,
			'original',
		) as SyncOptions['phoneWriteFormat'],
		onPremisesReadOnly: [...SYNCED_READ_ONLY_ATTRIBUTES],
		managedLists: (managedLists ?? '')
			.split(/[,\n]/)
			.map((name) => name.trim())
			.filter((name) => name !== ''),
	});
}

/** The directory writer when this run writes to the directory and the node has an Entra ID credential. */
async function directoryWriterFor(
	context: IExecuteFunctions,
	writes: boolean,
): Promise<DirectoryWriter | undefined> {
	if (!writes || context.getNode().credentials?.[ENTRA_CREDENTIAL_TYPE] === undefined)
		return undefined;
	return entraDirectoryWriter(await getGraphTransport(context));
}

/** A Contact Mapper configured two-way or reverse under "From Contact Mapper": the direction is chosen on the node. */
function mapperAsksForDirectoryWrites(direction: string): ConfigurationError {
	const choice = direction === 'toDirectory' ? 'MessageMedia → Directory' : 'Both Ways';
	return new ConfigurationError(
		`The Contact Mapper's configuration asks for a ${direction === 'toDirectory' ? 'reverse' : 'two-way'} run, which writes to Entra ID: set Direction to "${choice}" on this node and select an Entra ID credential (or set the Mapper's "direction" to "one-way")`,
		'direction',
	);
}

/** Rebuilds the error of a failed contact for n8n (MessageMedia errors keep status, type and invalid fields). */
function outcomeFailure(outcome: SyncOutcome): Error {
	const directory = outcome.action !== 'failed' && outcome.directory?.action === 'failed';
	const error = (directory ? outcome.directory?.error : outcome.error) ?? { message: 'Failed' };
	const message = `${outcome.sourceId}: ${directory ? 'directory write-back: ' : ''}${error.message}`;
	if (error.status === undefined) return new Error(message);
	return new ServiceApiError({
		service: directory ? 'graph' : 'messagemedia',
		...error,
		status: error.status,
		message,
	});
}

/**
 * Contact → Sync. Output 0: one item per contact outcome (paired with its input item; unchanged ones
 * only with "Output Unchanged Contacts"); output 1: the run summary. The deletion guard fails the node (unless "Continue On Fail"); so does a failed contact,
 * after the whole run was applied and reported.
 */
export async function executeSync(
	this: IExecuteFunctions,
	client: MessageMediaClient,
): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	const allItems = items.map((_, item) => ({ item }));
	let options: SyncOptions;
	try {
		options = readOptions(this);
	} catch (error) {
		throw toNodeError(node, error);
	}

	const { inputs, invalid } = classifyInput(items.map((item) => item.json));
	if (invalid.length > 0 && !this.continueOnFail()) {
		throw new NodeOperationError(node, invalid[0].message, { itemIndex: invalid[0].index });
	}

	let result;
	try {
		const direction = resolveDirection(inputs, options.direction);
		if (options.direction === 'fromMapper' && writesToDirectory(direction))
			throw mapperAsksForDirectoryWrites(direction);
		const directory = await directoryWriterFor(
			this,
			writesToDirectory(direction) && !options.dryRun,
		);
		result = await runSync(client, inputs, options, { directory });
	} catch (error) {
		if (!this.continueOnFail()) throw toNodeError(node, error);
		return [[{ json: errorItemJson(error), pairedItem: allItems }], []];
	}
	if (result.guardFailure !== undefined && !this.continueOnFail()) {
		throw new NodeOperationError(node, result.guardFailure, {
			description: `Blocked removals: ${result.summary.guard.removals} of ${result.summary.guard.linked} linked contacts. Nothing was written.`,
		});
	}
	const failed = result.outcomes.find(
		(outcome) => outcome.action === 'failed' || outcome.directory?.action === 'failed',
	);
	if (failed !== undefined && !this.continueOnFail()) {
		const error = toNodeError(node, outcomeFailure(failed), failed.itemIndex);
		const directoryFailed = result.summary.directory?.failed ?? 0;
		error.description = [
			`${result.summary.counts.failed} contact(s)${directoryFailed > 0 ? ` and ${directoryFailed} directory write-back(s)` : ''} failed; the rest of the run was applied.`,
			'Turn on Settings › On Error › Continue to get every outcome as an item.',
			error.description,
		]
			.filter(Boolean)
			.join(' ');
		throw error;
	}

	const { outputUnchanged } = this.getNodeParameter('options', 0, {}) as SyncOptionsParameter;
	const outcomes: INodeExecutionData[] = outcomesToOutput(
		result.outcomes,
		outputUnchanged === true,
	).map(({ itemIndex, ...outcome }) => ({
		json: outcome as unknown as IDataObject,
		pairedItem: { item: itemIndex ?? 0 },
	}));
	return [outcomes, [{ json: result.summary as unknown as IDataObject, pairedItem: allItems }]];
}
