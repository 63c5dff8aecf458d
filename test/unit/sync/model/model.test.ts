/**
 * The model-based sync suite: random directories, hand edits in MessageMedia, runs of every kind,
 * faults and crashes, under both readings of PATCH arrays; the invariants of README.md are checked
 * after every step. CI runs a fixed seed and case count; `npm run test:soak` runs it longer
 * (MODEL_SEED, MODEL_RUNS, MODEL_STEPS, MODEL_DURATION_MS).
 */

import { fc, test } from '@fast-check/jest';

import { hire, scenario, StepCommand } from './scenario';
import { sequenceConfig, step } from './steps';
import { INVARIANTS } from './world';

const SEED = Number(process.env.MODEL_SEED ?? 20261202);
const RUNS = Number(process.env.MODEL_RUNS ?? 300);
const MAX_STEPS = Number(process.env.MODEL_STEPS ?? 20);
const DURATION_MS =
	process.env.MODEL_DURATION_MS === undefined ? undefined : Number(process.env.MODEL_DURATION_MS);

// CI: the fixed case count takes well under the limit; a soak run stops each invariant at MODEL_DURATION_MS.
jest.setTimeout(DURATION_MS === undefined ? 600_000 : DURATION_MS + 300_000);

console.log(
	`model-based sync suite: seed ${SEED}, ${RUNS} cases per invariant (${INVARIANTS.length} invariants), up to ${MAX_STEPS} steps${DURATION_MS ? `, at most ${DURATION_MS} ms each` : ''}`,
);

/**
 * One property per invariant (the others are not checked in it), so each invariant gets its own
 * smallest counterexample instead of all of them shrinking towards the most common failure.
 */
describe.each(INVARIANTS)('invariant: %s', (invariant) => {
	test.prop(
		[
			sequenceConfig,
			fc.array(hire, { minLength: 2, maxLength: 6 }),
			fc.commands([step.map((s) => new StepCommand(s))], { maxCommands: MAX_STEPS }),
		],
		{
			seed: SEED,
			numRuns: RUNS,
			...(DURATION_MS
				? { interruptAfterTimeLimit: DURATION_MS, markInterruptAsFailure: false }
				: {}),
		},
	)(`holds after every step (${invariant})`, async (config, hires, commands) => {
		await scenario(config, hires, commands, new Set([invariant]));
	});
});
