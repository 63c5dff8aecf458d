/**
 * One case of the model: a directory of 2–6 users and a first sync, then the steps (as fast-check
 * commands), then settling. The property (model.test.ts) and the named counterexamples
 * (counterexamples.test.ts) both run cases through here.
 */

import fc from 'fast-check';

import { DEPARTMENTS, poolNumber } from './directory';
import { apply, describeStep, POOL, type Step } from './steps';
import { World, type Invariant, type SequenceConfig } from './world';

/** A step as a fast-check command: applied to the world, then the invariants must hold. */
export class StepCommand implements fc.AsyncCommand<object, World> {
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

export const hire = fc.record({
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
	for (const h of hires)
		world.directory.hire(
			h.number < 0 ? undefined : poolNumber(h.number),
			DEPARTMENTS[h.dept],
			h.style,
		);
	await world.settle();
	if (world.violations.length > 0) throw new Error(`first sync:\n${world.violations.join('\n')}`);
	await fc.asyncModelRun(() => ({ model: {}, real: world }), commands);
	await world.settle();
	if (world.violations.length > 0)
		throw new Error(`settling at the end:\n${world.violations.join('\n')}`);
	return world;
}

/** Replays a case given as data (a shrunk counterexample); a hire given as a number is in department 0. */
export async function replay(
	config: SequenceConfig,
	hires: Array<number | { number: number; dept: number; style?: number }>,
	steps: Step[],
	only?: Invariant[],
): Promise<World> {
	return await scenario(
		config,
		hires.map((h) =>
			typeof h === 'number' ? { number: h, dept: 0, style: 0 } : { style: 0, ...h },
		),
		steps.map((s) => new StepCommand(s)),
		only && new Set(only),
	);
}
