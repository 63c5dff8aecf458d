/**
 * The generators reach every situation the invariants are about: over a fixed sample of cases, every
 * kind of step, read, direction and policy occurs, runs write, crash, fail and trip the guard, and
 * outcomes of every important kind happen. A model that never gets there would pass vacuously.
 */

import fc from 'fast-check';

import { hire, scenario, StepCommand } from './scenario';
import { sequenceConfig, step, type Step } from './steps';
import { INVARIANTS } from './world';

const STEP_KINDS: Array<Step['t']> = [
	'hire',
	'leave',
	'enable',
	'delete',
	'restore',
	'rename',
	'number',
	'swap',
	'recycle',
	'dept',
	'stop',
	'unsubscribe',
	'resubscribe',
	'unlink',
	'handDelete',
	'mmRename',
	'handContact',
	'handList',
	'member',
	'field',
	'channel',
	'relink',
	'mmNumber',
	'run',
	'settle',
];

it('a sample of 150 cases reaches every situation', async () => {
	const cases = fc.sample(
		fc.tuple(
			sequenceConfig,
			fc.array(hire, { minLength: 2, maxLength: 6 }),
			fc.array(step, { maxLength: 20 }),
		),
		{
			seed: 1,
			numRuns: 150,
		},
	);
	const seen = new Map<string, number>();
	for (const [config, hires, steps] of cases) {
		// Checks off: this test is about reach, the properties are about the invariants.
		const world = await scenario(
			config,
			hires,
			steps.map((s) => new StepCommand(s)),
			new Set(),
		).catch(() => undefined);
		for (const [what, n] of world?.stats ?? []) seen.set(what, (seen.get(what) ?? 0) + n);
	}
	const expected = [
		...STEP_KINDS.map((t) => `step:${t}`),
		...['full', 'delta', 'failed', 'empty'].map((r) => `read:${r}`),
		...['one-way', 'bidirectional', 'reverse'].map((d) => `direction:${d}`),
		...['delete', 'removeFromLists', 'unsubscribe', 'ignore'].map((p) => `policy:${p}`),
		'patch arrays:replace',
		'patch arrays:merge',
		'mode:full',
		'mode:incremental',
		'mode:full (dry)',
		'crash steps',
		'fault steps',
		'broken items, Continue On Fail',
		'broken items, node stopped',
		'write requests',
		'directory write-backs',
		'guard:tripped',
		'guard:overridden',
		...[
			'created',
			'adopted',
			'updated',
			'removed',
			'unsubscribed',
			'removedFromLists',
			'blocked',
			'rejected',
			'conflict',
			'failed',
		].map((a) => `outcome:${a}`),
	];
	expect(expected.filter((what) => !seen.has(what))).toEqual([]);
	expect(INVARIANTS).toHaveLength(7);
});
