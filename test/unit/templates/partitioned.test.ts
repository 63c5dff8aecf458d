/**
 * templates/entra-sync-partitioned.json: the parent part lists the partitions and sends one request
 * per partition, all at once, to this workflow's own webhook (header auth), waiting for the answers:
 * each partition is an execution of its own, which n8n's queue mode puts on the queue for any worker
 * (an Execute Workflow sub-workflow would run in its caller's worker). The partition part reads only
 * its partition and syncs it as a scope of its own (Sync Scope = the partition name), in full mode, so
 * each partition's run removes only its own contacts, and answers with its run report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>;
const template = JSON.parse(
	readFileSync(
		join(__dirname, '..', '..', '..', 'templates', 'entra-sync-partitioned.json'),
		'utf8',
	),
) as Json;
const node = (name: string): Json => {
	const found = (template.nodes as Json[]).find((n) => n.name === name);
	if (!found) throw new Error(`no node "${name}"`);
	return found;
};
const next = (name: string, output = 0): string[] =>
	((template.connections[name]?.main?.[output] ?? []) as Json[]).map((c) => c.node as string);

test('the parent lists the partitions and requests one run per partition from its own webhook, all at once, waiting', () => {
	expect(next('Run now')).toEqual(['List partitions']);
	expect(next('Every day at 06:00')).toEqual(['List partitions']);
	const code = node('List partitions').parameters.jsCode as string;
	expect(code).toMatch(
		/const webhookUrl = 'http:\/\/localhost:5678\/webhook\/entra-sync-partition';/,
	);
	expect(code).toMatch(
		/\['Sales', 'Support'\]\.map\(\(partition\) => \(\{ json: \{ partition, webhookUrl \} \}\)\)/,
	);
	expect(next('List partitions')).toEqual(['Sync each partition']);
	const call = node('Sync each partition');
	expect(call.type).toBe('n8n-nodes-base.httpRequest');
	expect(call.parameters).toMatchObject({
		method: 'POST',
		url: '={{ $json.webhookUrl }}',
		authentication: 'genericCredentialType',
		genericAuthType: 'httpHeaderAuth',
		jsonBody: '={{ JSON.stringify({ partition: $json.partition }) }}',
	});
	// A partition of a large directory runs for a long time: the request waits up to 4 hours (n8n's default is 5 minutes).
	expect(call.parameters.options.timeout).toBe(4 * 3600 * 1000);
	// The webhook the parent calls is this workflow's own.
	expect(code).toContain(`/webhook/${node('Partition request').parameters.path}'`);
});

test('a partition run reads its partition only and syncs it in full as its own scope', () => {
	const trigger = node('Partition request');
	expect(trigger.type).toBe('n8n-nodes-base.webhook');
	// Only callers with the key start a run; the caller gets the last node's output (the run report).
	expect(trigger.parameters).toMatchObject({
		httpMethod: 'POST',
		path: 'entra-sync-partition',
		authentication: 'headerAuth',
		responseMode: 'lastNode',
	});
	expect(trigger.webhookId).toMatch(/^[0-9a-f-]{36}$/);
	expect(next('Partition request')).toEqual(['Read partition']);
	const conditions = node('Read partition').parameters.filters.conditions as Json[];
	expect(conditions).toContainEqual({
		attribute: 'department',
		operator: 'equals',
		value: '={{ $json.body.partition }}',
	});
	expect(next('Read partition')).toEqual(['Map to contacts']);
	expect(next('Map to contacts', 0)).toEqual(['Contacts and rejected']);
	expect(next('Map to contacts', 1)).toEqual(['Contacts and rejected']);
	expect(next('Contacts and rejected')).toEqual(['Sync contacts']);
	const sync = node('Sync contacts').parameters;
	expect(next('Sync contacts', 1)).toEqual(['Run report']);
	expect(sync).toMatchObject({
		operation: 'sync',
		mode: 'full',
		options: { syncScope: "={{ $('Partition request').first().json.body.partition }}" },
	});
	// Nodes without credentials chosen: the user picks them after import, as in the other templates.
	expect((template.nodes as Json[]).filter((n) => n.credentials)).toEqual([]);
});
