/**
 * The model-based sync suite: random directories, hand edits in MessageMedia, runs of every kind,
 * faults and crashes, under both readings of PATCH arrays; the invariants of README.md are checked
 * after every step. CI runs a fixed seed and case count; `npm run test:soak` runs it longer
 * (MODEL_SEED, MODEL_RUNS, MODEL_STEPS, MODEL_DURATION_MS).
 */

import { fc, test } from '@fast-check/jest';

import { DEPARTMENTS, poolNumber } from './directory';
import { apply, describeStep, POOL, sequenceConfig, step, type Step } from './steps';
import { INVARIANTS, World, type Invariant, type SequenceConfig } from './world';

const SEED = Number(process.env.MODEL_SEED ?? 20261202);
const RUNS = Number(process.env.MODEL_RUNS ?? 60);
const MAX_STEPS = Number(process.env.MODEL_STEPS ?? 20);
const DURATION_MS = process.env.MODEL_DURATION_MS === undefined ? undefined : Number(process.env.MODEL_DURATION_MS);

jest.setTimeout((DURATION_MS ?? 110_000) + 60_000);

class StepCommand implements fc.AsyncCommand<object, World> {
	constructor(readonly step: Step) {}

	check(): boolean {
		return true;
	}

	async run(_model: object, world: World): Promise<void> {
		await apply(world, this.step);
		if (world.violations.length > 0) throw new Error(world.violations.join('\n'));
	}

	toString(): string {
		return describeStep(this.step);
	}
}

const hire = fc.record({
	number: fc.integer({ min: -1, max: POOL - 1 }),
	dept: fc.nat({ max: DEPARTMENTS.length - 1 }),
	style: fc.nat({ max: 3 }),
});

/** A directory of 2–6 users and a first sync, then the commands, then settling. */
export async function scenario(
	config: SequenceConfig,
	hires: Array<{ number: number; dept: number; style: number }>,
	commands: Iterable<fc.AsyncCommand<object, World>>,
	only?: Set<Invariant>,
): Promise<World> {
	const world = new World(config);
	world.only = only;
	for (const h of hires) world.directory.hire(h.number < 0 ? undefined : poolNumber(h.number), DEPARTMENTS[h.dept], h.style);
	await world.settle();
	if (world.violations.length > 0) throw new Error(`first sync:\n${world.violations.join('\n')}`);
	await fc.asyncModelRun(() => ({ model: {}, real: world }), commands);
	await world.settle();
	if (world.violations.length > 0) throw new Error(`settling at the end:\n${world.violations.join('\n')}`);
	return world;
}

console.log(
	`model-based sync suite: seed ${SEED}, ${RUNS} cases per invariant (${INVARIANTS.length} invariants), up to ${MAX_STEPS} steps${DURATION_MS ? `, at most ${DURATION_MS} ms each` : ''}`,
);

/**
 * One property per invariant (the others are not checked in it), so each invariant gets its own
 * smallest counterexample instead of all of them shrinking towards the most common failure.
 */
describe.each(INVARIANTS)('invariant: %s', (invariant) => {
	test.prop(
		[sequenceConfig, fc.array(hire, { minLength: 2, maxLength: 6 }), fc.commands([step.map((s) => new StepCommand(s))], { maxCommands: MAX_STEPS })],
		{
			seed: SEED,
			numRuns: RUNS,
			...(DURATION_MS ? { interruptAfterTimeLimit: DURATION_MS, markInterruptAsFailure: false } : {}),
		},
	)(`holds after every step (${invariant})`, async (config, hires, commands) => {
		await scenario(config, hires, commands, new Set([invariant]));
	});
});
