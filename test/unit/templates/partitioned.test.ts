/**
 * templates/entra-sync-partitioned.json: the parent part lists the partitions and calls this same
 * workflow once per partition without waiting; the partition part reads only its partition and syncs
 * it as a scope of its own (Sync Scope = the partition name), in full mode, so each partition's run
 * removes only its own contacts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>;
const template = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'templates', 'entra-sync-partitioned.json'), 'utf8')) as Json;
const node = (name: string): Json => {
	const found = (template.nodes as Json[]).find((n) => n.name === name);
	if (!found) throw new Error(`no node "${name}"`);
	return found;
};
const next = (name: string, output = 0): string[] =>
	((template.connections[name]?.main?.[output] ?? []) as Json[]).map((c) => c.node as string);

test('the parent lists the partitions and calls this workflow once per partition, not waiting', () => {
	expect(next('Run now')).toEqual(['List partitions']);
	expect(next('Every day at 06:00')).toEqual(['List partitions']);
	expect(node('List partitions').parameters.jsCode).toMatch(/\['Sales', 'Support'\]\.map\(\(partition\) => \(\{ json: \{ partition \} \}\)\)/);
	expect(next('List partitions')).toEqual(['Sync each partition']);
	const call = node('Sync each partition');
	expect(call.type).toBe('n8n-nodes-base.executeWorkflow');
	expect(call.parameters).toMatchObject({ workflowId: { value: '={{ $workflow.id }}' }, mode: 'each', options: { waitForSubWorkflow: false } });
});

test('a partition run reads its partition only and syncs it in full as its own scope', () => {
	expect(node('Partition run').type).toBe('n8n-nodes-base.executeWorkflowTrigger');
	expect(next('Partition run')).toEqual(['Read partition']);
	const conditions = node('Read partition').parameters.filters.conditions as Json[];
	expect(conditions).toContainEqual({ attribute: 'department', operator: 'equals', value: '={{ $json.partition }}' });
	expect(next('Read partition')).toEqual(['Map to contacts']);
	expect(next('Map to contacts', 0)).toEqual(['Contacts and rejected']);
	expect(next('Map to contacts', 1)).toEqual(['Contacts and rejected']);
	expect(next('Contacts and rejected')).toEqual(['Sync contacts']);
	const sync = node('Sync contacts').parameters;
	expect(sync).toMatchObject({ operation: 'sync', mode: 'full', options: { syncScope: "={{ $('Partition run').first().json.partition }}" } });
	// Nodes without credentials chosen: the user picks them after import, as in the other templates.
	expect((template.nodes as Json[]).filter((n) => n.credentials)).toEqual([]);
});
