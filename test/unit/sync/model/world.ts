/**
 * The model's world: a MessageMedia account (either PATCH reading), a Person editing it by hand, a
 * directory, the oracle's history, and the steps (directory changes, hand edits, sync runs). Every
 * sync step is checked against the invariants from snapshots and the request log; violations are
 * collected in `violations` (the property fails on the first step that adds one).
 */

import { classifyInput, resolveSyncOptions, runSync } from '../../../../lib/sync';
import type {
	Authority,
	RemovalPolicy,
	SyncInput,
	SyncOptions,
	SyncResult,
} from '../../../../lib/sync';
import type { SyncDirection } from '../../../../lib/types';
import { createRandom } from '../../../fakes/prng';
import { MemoryMessageMedia, SimulatedCrash, type PatchArrays } from '../memoryClient';
import { Person } from '../memoryHand';
import {
	Directory,
	e164,
	MAPPED_FIELD,
	ModelDirectoryWriter,
	type DirectoryRead,
	type WriteFault,
} from './directory';
import {
	checkConsent,
	checkConverged,
	checkCrash,
	checkDryRun,
	checkGuard,
	checkPreserved,
	History,
	type RunDigest,
	type ScopeUser,
} from './oracle';
import { canonical, LINK_LABEL, managedLabels, snapshot, type Snapshot } from './snapshot';

export interface SequenceConfig {
	patchArrays: PatchArrays;
	/** The sequence mixes two-way runs in (and checks invariant 6). */
	twoWay: boolean;
	policy: RemovalPolicy;
	adoptExisting: boolean;
	authority: Authority;
}

export interface RunSpec {
	read: DirectoryRead['kind'];
	/** Failed reads: users read before the failure. */
	failedAfter: number;
	/** Two-way directions run one-way in a one-way sequence. */
	direction: SyncDirection;
	/** null: the sequence's policy. */
	policy: RemovalPolicy | null;
	dryRun: boolean;
	/** Continue On Fail: invalid items are dropped and the run goes on; off, they stop the node. */
	continueOnFail: boolean;
	/** Item index (mod count) given a bad action (an invalid item); -1: none. */
	brokenAction: number;
	/** Item index (mod count) given a bad phone (a rejected item); -1: none. */
	brokenPhone: number;
	minRemovalsBeforeGuard: number;
	maxRemovalPercent: number;
	allowMassRemoval: boolean;
	continueWithoutRemovals: boolean;
	concurrency: number;
	/** Per-request fault rate in percent (429, 5xx, lost answers). */
	faultRate: number;
	faultSeed: number;
	/** Crash after this many requests, then run again; -1: no crash. */
	crashAfter: number;
}

type Pending = { user: string; field: 'phone' | 'lastName'; value: string };

export const INVARIANTS = [
	'consent',
	'preserved',
	'converged',
	'guard',
	'dry run',
	'two-way',
	'crash',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

const HOUR = 3_600_000;
const noSleep = { sleep: async () => {} };

export class World {
	mm: MemoryMessageMedia;
	person: Person;
	directory = new Directory();
	history = new History();
	readonly violations: string[] = [];
	/** Invariants checked (all when undefined): a property per invariant finds each one's smallest counterexample. */
	only?: Set<Invariant>;
	readonly managed = managedLabels([MAPPED_FIELD]);
	/** One-sided changes of a two-way sequence not yet seen on the other side. */
	readonly pending = new Map<string, Pending>();
	private clock = Date.parse('2026-03-01T00:00:00Z');

	constructor(readonly config: SequenceConfig) {
		this.mm = new MemoryMessageMedia({ patchArrays: config.patchArrays });
		this.person = new Person(this.mm);
	}

	/** What the case went through (the coverage test checks the generators reach every situation). */
	readonly stats = new Map<string, number>();

	count(what: string, n = 1): void {
		if (n > 0) this.stats.set(what, (this.stats.get(what) ?? 0) + n);
	}

	/** Keeps the violations of the invariants checked (each message starts with its invariant). */
	private record(where: string, found: string[]): void {
		for (const v of found)
			if (this.only === undefined || this.only.has(v.slice(0, v.indexOf(':')) as Invariant))
				this.violations.push(`${where}: ${v}`);
	}

	/** A directory or hand step: the history records what a person did. */
	act(what: (world: World) => void, by: 'directory' | 'person'): void {
		const before = snapshot(this.mm);
		what(this);
		if (by === 'person') this.history.observe(before, snapshot(this.mm), 'person');
	}

	linkedContact(userId: string) {
		const link = this.mm.field(LINK_LABEL)?.id;
		return [...this.mm.contacts.values()].find(
			(c) =>
				link !== undefined &&
				c.customFields.get(link)?.trim().toLowerCase() === userId.toLowerCase(),
		);
	}

	/** Records a one-sided change (two-way sequences); a change of the same field on the other side cancels it (a conflict). */
	oneSided(
		user: string,
		field: Pending['field'],
		value: string,
		side: 'directory' | 'messaging',
	): void {
		if (!this.config.twoWay) return;
		const key = `${user}|${field}|`;
		const other = this.pending.get(key + (side === 'directory' ? 'messaging' : 'directory'));
		if (other) this.pending.delete(key + (side === 'directory' ? 'messaging' : 'directory'));
		else this.pending.set(key + side, { user, field, value });
	}

	forget(user: string): void {
		for (const key of [...this.pending.keys()])
			if (key.startsWith(`${user}|`)) this.pending.delete(key);
	}

	private items(spec: RunSpec, directory: Directory): unknown[] {
		const read: DirectoryRead =
			spec.read === 'failed'
				? { kind: 'failed', after: spec.failedAfter }
				: ({ kind: spec.read } as DirectoryRead);
		const items = directory.read(read, spec.direction === 'one-way' ? undefined : spec.direction);
		const upserts = items.filter((i) => (i as { action?: string }).action === 'upsert');
		if (spec.brokenPhone >= 0 && upserts.length > 0) {
			const item = upserts[spec.brokenPhone % upserts.length] as {
				contact: { phone?: string };
			};
			item.contact = { ...item.contact, phone: '12' };
		}
		if (spec.brokenAction >= 0 && upserts.length > 0)
			(upserts[spec.brokenAction % upserts.length] as { action: string }).action = 'update';
		return items;
	}

	private options(spec: RunSpec, overrides: Partial<SyncOptions> = {}): SyncOptions {
		return resolveSyncOptions({
			mode: spec.read === 'delta' ? 'incremental' : 'full',
			removalPolicy: spec.policy ?? this.config.policy,
			adoptExisting: this.config.adoptExisting,
			authority: this.config.authority,
			minRemovalsBeforeGuard: spec.minRemovalsBeforeGuard,
			maxRemovalPercent: spec.maxRemovalPercent,
			allowMassRemoval: spec.allowMassRemoval,
			continueWithoutRemovals: spec.continueWithoutRemovals,
			concurrency: spec.concurrency,
			...overrides,
		});
	}

	private async sync(
		mm: MemoryMessageMedia,
		directory: Directory,
		inputs: SyncInput[],
		options: SyncOptions,
		now: number,
		writeFault?: () => WriteFault,
	): Promise<{
		result?: SyncResult;
		error?: unknown;
		writer: ModelDirectoryWriter;
	}> {
		const writer = new ModelDirectoryWriter(directory, mm, writeFault);
		const writes = mm.writes().length;
		try {
			const result = await runSync(mm, inputs, options, {
				directory: writer,
				now: () => now,
				retryPolicy: noSleep,
			});
			if (mm === this.mm) {
				this.count(`mode:${options.mode}${options.dryRun ? ' (dry)' : ''}`);
				this.count('write requests', mm.writes().length - writes);
				this.count('directory write-backs', writer.calls.length);
				for (const [action, n] of Object.entries(result.summary.counts))
					this.count(`outcome:${action}`, n);
				this.count(`guard:${result.summary.guard.status}`);
			}
			return { result, writer };
		} catch (error) {
			if (mm === this.mm)
				this.count(error instanceof SimulatedCrash ? 'runs killed' : 'runs failed');
			return { error, writer };
		}
	}

	/**
	 * What the guard check needs. An approved run of an empty read (n8n's placeholder, which looks like
	 * an empty directory) may remove everyone: that is what was approved. A failed read never may.
	 */
	private guardContext(inputs: SyncInput[], options: SyncOptions, read: RunSpec['read'] = 'full') {
		const upserts = new Set<string>();
		for (const i of inputs)
			if (i.kind === 'item' && i.item.action === 'upsert')
				upserts.add(i.item.sourceId.toLowerCase());
		const approvedEmpty = read === 'empty' && options.allowMassRemoval;
		return {
			upserts,
			inScope: new Set(
				approvedEmpty ? [] : this.directory.inScope().map((u) => u.id.toLowerCase()),
			),
			minRemovalsBeforeGuard: options.minRemovalsBeforeGuard,
			maxRemovalPercent: options.maxRemovalPercent,
			allowMassRemoval: options.allowMassRemoval,
		};
	}

	/** Checks 1, 2 and 4 of a sync step and records it in the history. */
	private checkStep(
		label: string,
		before: Snapshot,
		inputs: SyncInput[],
		options: SyncOptions,
		guard = this.guardContext(inputs, options),
	): void {
		const after = snapshot(this.mm);
		const found = [
			...checkConsent(this.history, before, after, this.mm.log),
			...checkPreserved(this.history, before, after, this.managed),
			...checkGuard(before, after, guard),
		];
		this.record(label, found);
		// A contact the run deleted (an approved removal) takes a change made only in MessageMedia with it.
		for (const [id, contact] of before.contacts) {
			if (after.contacts.has(id) || contact.link === undefined) continue;
			for (const key of [...this.pending.keys()])
				if (key.startsWith(`${contact.link}|`) && key.endsWith('|messaging'))
					this.pending.delete(key);
		}
		const phones = new Map(
			this.scopeUsers().flatMap((u) =>
				u.phone === undefined ? [] : [[u.id.toLowerCase(), u.phone] as [string, string]],
			),
		);
		this.history.observe(before, after, 'sync', phones);
	}

	/** One sync run as the step says (dry run, faults, crash and Continue On Fail included). */
	async run(given: RunSpec): Promise<void> {
		const spec: RunSpec = {
			...given,
			direction: this.config.twoWay ? given.direction : 'one-way',
			policy: given.policy ?? this.config.policy,
		};
		this.count(`read:${spec.read}`);
		this.count(`direction:${spec.direction}`);
		this.count(`policy:${spec.policy}`);
		if (spec.crashAfter >= 0 && !spec.dryRun) this.count('crash steps');
		if (spec.faultRate > 0 && !spec.dryRun) this.count('fault steps');
		if (spec.brokenAction >= 0 || spec.brokenPhone >= 0)
			this.count(
				spec.continueOnFail ? 'broken items, Continue On Fail' : 'broken items, node stopped',
			);
		this.clock += HOUR;
		const now = this.clock;
		const delivered = new Set(this.directory.changed);
		const items = this.items(spec, spec.dryRun ? this.directory.clone() : this.directory);
		const { inputs, invalid } = classifyInput(items);
		// Without Continue On Fail the node stops at an invalid item before any request.
		if (invalid.length > 0 && !spec.continueOnFail) return;
		const options = this.options(spec);
		if (spec.dryRun) return await this.dryRun(inputs, options, now);
		if (spec.crashAfter >= 0) {
			// The run after the crash reads again: the same delta (its cursor never moved) plus what changed since, or a new read.
			const readAgain = (directory: Directory) => {
				if (spec.read === 'delta') for (const id of delivered) directory.changed.add(id);
				return classifyInput(this.items(spec, directory)).inputs;
			};
			await this.crashRun(inputs, readAgain, options, now, spec);
			return this.overridden(spec);
		}
		const before = snapshot(this.mm);
		const guard = this.guardContext(inputs, options, spec.read);
		this.mm.resetLog();
		if (spec.faultRate > 0) {
			const random = createRandom(spec.faultSeed);
			this.mm.injectFaults(() => {
				if (random() * 100 >= spec.faultRate) return undefined;
				const kind = random();
				return kind < 0.4
					? { status: 429 }
					: kind < 0.7
						? { status: 503 }
						: { status: 503, afterCommit: true };
			});
		}
		await this.sync(this.mm, this.directory, inputs, options, now);
		this.mm.injectFaults(undefined);
		this.overridden(spec);
		this.checkStep(
			`run ${spec.read}/${spec.direction}/${spec.policy}`,
			before,
			inputs,
			options,
			guard,
		);
	}

	private async dryRun(inputs: SyncInput[], options: SyncOptions, now: number): Promise<void> {
		const realMm = this.mm.clone();
		const realDirectory = this.directory.clone();
		this.mm.resetLog();
		const dry = await this.sync(this.mm, this.directory, inputs, { ...options, dryRun: true }, now);
		const dryWrites = this.mm.writes().length + dry.writer.calls.length;
		const real = await this.sync(realMm, realDirectory, inputs, options, now);
		this.record('dry run step', checkDryRun(digest(dry), digest(real), dryWrites));
	}

	/**
	 * Crash safety: the run is killed after N requests, then runs again (a new read); a copy runs the
	 * same run uninterrupted, then the rerun. The killed account must end where the copy was after
	 * either.
	 */
	private async crashRun(
		inputs: SyncInput[],
		readAgain: (directory: Directory) => SyncInput[],
		options: SyncOptions,
		now: number,
		spec: RunSpec,
	): Promise<void> {
		const after = spec.crashAfter;
		const reference = {
			mm: this.mm.clone(),
			directory: this.directory.clone(),
		};
		const state = () => [
			...canonical(snapshot(reference.mm)),
			...directoryLines(reference.directory),
		];
		await this.sync(reference.mm, reference.directory, inputs, options, now);
		const once = state();
		await this.sync(
			reference.mm,
			reference.directory,
			readAgain(reference.directory),
			options,
			now,
		);
		const twice = state();
		const before = snapshot(this.mm);
		const guard = this.guardContext(inputs, options, spec.read);
		this.mm.resetLog();
		this.mm.crashAfter(after);
		await this.sync(this.mm, this.directory, inputs, options, now);
		this.mm.crashAfter(undefined);
		await this.sync(this.mm, this.directory, readAgain(this.directory), options, now);
		const resumed = [...canonical(snapshot(this.mm)), ...directoryLines(this.directory)];
		this.record(
			`crash after ${after} requests`,
			checkCrash(resumed, [once, twice], snapshot(this.mm), before),
		);
		this.checkStep(`crash after ${after} + rerun`, before, inputs, options, guard);
	}

	/** Users in scope as the Mapper sees them: number and lists. */
	scopeUsers(): ScopeUser[] {
		const items = this.directory.read({ kind: 'full' }, undefined) as Array<{
			sourceId?: string;
			action?: string;
			contact?: { phone?: string; lists?: string[] };
		}>;
		const inScope = new Set(this.directory.inScope().map((u) => u.id));
		return items
			.filter((i) => i.sourceId !== undefined && inScope.has(i.sourceId))
			.map((i) => ({
				id: i.sourceId as string,
				phone: i.action === 'upsert' ? i.contact?.phone : undefined,
				lists: i.contact?.lists ?? [],
			}));
	}

	/** Settles with full runs of an unchanged directory (two, approved), then checks a third writes nothing (3), and the two-way changes arrived (6). */
	async settle(): Promise<void> {
		const spec: RunSpec = {
			read: 'full',
			failedAfter: 0,
			direction: this.config.twoWay ? 'bidirectional' : 'one-way',
			policy: this.config.policy,
			dryRun: false,
			continueOnFail: false,
			brokenAction: -1,
			brokenPhone: -1,
			minRemovalsBeforeGuard: 5,
			maxRemovalPercent: 10,
			allowMassRemoval: true,
			continueWithoutRemovals: false,
			concurrency: 3,
			faultRate: 0,
			faultSeed: 0,
			crashAfter: -1,
		};
		await this.run(spec);
		await this.run(spec);
		const calls: string[] = [];
		const directory = this.directory;
		const before = snapshot(this.mm);
		this.clock += HOUR;
		const { inputs } = classifyInput(
			directory.read({ kind: 'full' }, this.config.twoWay ? 'bidirectional' : undefined),
		);
		const options = this.options(spec);
		this.mm.resetLog();
		const third = await this.sync(this.mm, directory, inputs, options, this.clock);
		for (const w of this.mm.writes())
			calls.push(`${w.method} ${w.path} ${JSON.stringify(w.body ?? {})}`);
		for (const c of third.writer.calls)
			calls.push(`directory PATCH ${c.id} ${JSON.stringify(c.changes)}`);
		this.checkStep('settle', before, inputs, options);
		const found = checkConverged(this.history, snapshot(this.mm), this.scopeUsers(), calls, {
			adoptExisting: this.config.adoptExisting,
			removeFromLists: this.config.policy === 'removeFromLists',
		});
		this.record('settled', [...found, ...this.checkTwoWay()]);
		this.pending.clear();
	}

	/** A reverse run makes MessageMedia the source by choice: directory-side changes it overrode are meant (a broken item's user keeps theirs). */
	private overridden(spec: RunSpec): void {
		if (spec.direction !== 'reverse') return;
		for (const [key, p] of [...this.pending])
			if (key.endsWith('|directory') && this.directoryValue(p) !== p.value)
				this.pending.delete(key);
	}

	private directoryValue(p: Pending): string | undefined {
		const user = this.directory.users.get(p.user);
		if (user === undefined) return undefined;
		return p.field === 'phone' ? e164(user.mobilePhone) : user.surname;
	}

	/** 6. Each one-sided change holds on both sides after settling. */
	private checkTwoWay(): string[] {
		const out: string[] = [];
		const usable = new Set(
			this.scopeUsers()
				.filter((u) => u.phone !== undefined)
				.map((u) => u.id),
		);
		for (const p of this.pending.values()) {
			const user = this.directory.users.get(p.user);
			const contact = this.linkedContact(p.user);
			if (!user || !contact || !usable.has(p.user)) continue;
			// While a user's new number can't reach their contact (another contact holds it, or the contact has
			// channels an update can't carry, EMAIL…), the pair is reported a conflict and nothing of it is
			// written: its other changes wait with it.
			const unwritable = contact.channels.some((c) => c.type !== 'SMS' && c.type !== 'WHATSAPP');
			const waiting = !contact.channels.some(
				(c) => c.type === 'SMS' && c.channelId === e164(user.mobilePhone),
			);
			if (waiting && (p.field !== 'phone' || unwritable)) continue;
			const directoryValue = this.directoryValue(p);
			// The phone reached MessageMedia when the contact holds it as an SMS number (under the merge reading an
			// old number the service would not let go of may stay beside it).
			const sms = contact.channels.filter((c) => c.type === 'SMS').map((c) => c.channelId);
			const messagingValue =
				p.field === 'phone'
					? sms.includes(p.value)
						? p.value
						: sms[0]
					: contact.attributes.lastName;
			if (directoryValue !== p.value || messagingValue !== p.value) {
				out.push(
					`two-way: ${p.field} "${p.value}" changed on one side for ${p.user}; now directory "${directoryValue}", MessageMedia "${messagingValue}"`,
				);
			}
		}
		return out;
	}
}

function digest(run: { result?: SyncResult; error?: unknown }): RunDigest {
	if (run.result === undefined)
		return { guard: `error: ${String(run.error)}`, failed: true, outcomes: [] };
	return {
		guard: run.result.summary.guard.status,
		failed: false,
		outcomes: run.result.outcomes
			.map((o) => `${o.sourceId.toLowerCase()}:${o.action}:${o.directory?.action ?? ''}`)
			.sort(),
	};
}

function directoryLines(directory: Directory): string[] {
	return [...directory.users.values()].map((u) => `user:${JSON.stringify(u)}`).sort();
}
