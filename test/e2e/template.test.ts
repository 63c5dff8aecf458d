/**
 * The template files as shipped: they import into the pinned n8n without credentials (a user picks them
 * after import), carry no credential ids or pin data, use the package's node types, and hold the product
 * page's example schedule and configuration. The installed package carries them where the README says.
 * Running one before credentials are chosen fails with a message that says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { generateSampleOrg } from '../fakes/sample-org';
import { e2eConfig } from './support/config';
import { startE2eFakes, type E2eFakes } from './support/fakes';
import { N8n, type Json } from './support/n8n';
import { DAILY, PACKAGE_NAME, REALTIME, loadTemplate } from './support/workflows';

/** The "Configuration Example" of the product page. */
const PRODUCT_PAGE_CONFIGURATION = {
	sync: {
		direction: 'one-way',
		source: 'entra-id',
		target: 'messagemedia',
		schedule: '0 6 * * *',
		mapping: {
			displayName: 'contact_name',
			mobilePhone: 'phone_number',
			mail: 'email',
			department: 'group',
		},
		filters: { department: ['Sales', 'Support'], accountEnabled: true },
	},
};

let env: E2eFakes;
let n8n: N8n;
const root = () => e2eConfig().projectRoot;

beforeAll(async () => {
	env = await startE2eFakes({ seed: generateSampleOrg() });
	n8n = N8n.forTest('template', env.fakes.caFile);
});

afterAll(async () => {
	await env?.fakes.close();
});

function node(workflow: Json, name: string): Json {
	const found = (workflow.nodes as Json[]).find((n) => n.name === name);
	if (!found) throw new Error(`template has no node "${name}"`);
	return found;
}

test.each([DAILY.file, REALTIME.file])(
	'%s ships without credentials or pin data, with package node types',
	(file) => {
		const template = loadTemplate(root(), file);
		expect(template.pinData).toBeUndefined();
		expect(template.id).toBeUndefined();
		for (const n of template.nodes as Json[]) {
			expect(n.credentials).toBeUndefined();
			expect(String(n.type)).toMatch(new RegExp(`^(n8n-nodes-base|${PACKAGE_NAME})\\.`));
		}
		const ours = (template.nodes as Json[])
			.filter((n) => String(n.type).startsWith(`${PACKAGE_NAME}.`))
			.map((n) => n.type);
		expect(ours.length).toBeGreaterThanOrEqual(3);
		expect(
			(template.nodes as Json[]).filter((n) => n.type === 'n8n-nodes-base.stickyNote').length,
		).toBeGreaterThanOrEqual(2);
	},
);

test("the daily template carries the product page's example configuration, the 06:00 schedule and a manual trigger", () => {
	const template = loadTemplate(root(), DAILY.file);
	const schedule = (template.nodes as Json[]).find(
		(n) => n.type === 'n8n-nodes-base.scheduleTrigger',
	);
	expect(schedule?.parameters.rule.interval).toEqual([
		{ field: 'cronExpression', expression: '0 6 * * *' },
	]);
	expect((template.nodes as Json[]).some((n) => n.type === 'n8n-nodes-base.manualTrigger')).toBe(
		true,
	);
	const mapper = node(template, DAILY.mapper);
	expect(mapper.parameters.configurationMode).toBe('json');
	expect(JSON.parse(mapper.parameters.configurationJson)).toEqual(PRODUCT_PAGE_CONFIGURATION);
	expect(mapper.parameters.defaultCountry).toMatch(/^[A-Z]{2}$/);
	expect(node(template, DAILY.read).alwaysOutputData).toBe(true);
	expect(mapper.alwaysOutputData).toBe(true);
	expect(node(template, DAILY.sync).parameters).toMatchObject({
		resource: 'contact',
		operation: 'sync',
		mode: 'full',
	});
	// The report hangs off the sync node's second output (the run summary).
	expect(template.connections[DAILY.sync].main[1]).toEqual([
		{ node: DAILY.report, type: 'main', index: 0 },
	]);
});

test('the package installed into n8n carries the templates in <user folder>/.n8n/nodes/node_modules/<package>/templates/', () => {
	const installed = join(
		e2eConfig().baseUserFolder,
		'.n8n',
		'nodes',
		'node_modules',
		PACKAGE_NAME,
		'templates',
	);
	const shipped = readdirSync(join(root(), 'templates'))
		.filter((name) => name.endsWith('.json'))
		.sort();
	expect(readdirSync(installed).sort()).toEqual(shipped);
	for (const name of shipped)
		expect(readFileSync(join(installed, name), 'utf8')).toBe(
			readFileSync(join(root(), 'templates', name), 'utf8'),
		);
});

test('the templates import into n8n as shipped, and a run before choosing credentials says what is missing', async () => {
	const daily = { ...loadTemplate(root(), DAILY.file), id: 'templateAsShipped1' };
	const realtime = { ...loadTemplate(root(), REALTIME.file), id: 'templateAsShipped2' };
	await n8n.importWorkflows([daily, realtime]);
	const result = await n8n.execute(daily.id);
	expect(result.status).toBe('error');
	expect(result.error?.node?.name).toBe(DAILY.read);
	expect(`${result.error?.message} ${result.error?.description ?? ''}`).toMatch(/credential/i);
});
