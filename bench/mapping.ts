/**
 * Contact Mapper throughput: maps 100k generated directory users with the product page's example
 * configuration and records users/s in bench/results-mapping.json. Not a test: numbers depend on the machine.
 *
 * Run (compiles to the git-ignored bench/out/ so Node resolves the project's node_modules):
 *   npx tsc bench/mapping.ts --outDir bench/out --rootDir . --module node16 --moduleResolution node16 \
 *     --target es2022 --strict --esModuleInterop --resolveJsonModule --skipLibCheck --types node \
 *     && node bench/out/bench/mapping.js
 * BENCH_USERS=<n> changes the number of users (default 100000).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import { compileMapper, isRejected, normalisePhone, parseSeedConfiguration } from '../lib/mapping';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const RUNS = 5;
/** Whole measurements, each with its load average (BENCH_MAPPING_REPEATS, default 3). */
const REPEATS = Number(process.env.BENCH_MAPPING_REPEATS ?? 3);
const TARGET_USERS_PER_SECOND = 50_000;

const EXAMPLE_CONFIGURATION = `{"sync": {"direction": "one-way", "source": "entra-id", "target": "messagemedia", "schedule": "0 6 * * *",
  "mapping": {"displayName": "contact_name", "mobilePhone": "phone_number", "mail": "email", "department": "group"},
  "filters": {"department": ["Sales", "Support"], "accountEnabled": true}}}`;

const FIRST = [
	'Alice',
	'Bob',
	'Chloé',
	'Dmitri',
	'Eun-ji',
	'Fatima',
	'Gareth',
	'Hiroshi',
	'Ines',
	'José',
	'Kwame',
	'Lena',
];
const LAST = [
	'Nguyen',
	'Smith',
	"O'Brien",
	'van der Berg',
	'Kowalski',
	'García',
	'Müller',
	'Tanaka',
	'Singh',
	'Okafor',
];
const DEPARTMENTS = ['Sales', 'Support', 'Sales', 'Support', 'Marketing', 'Engineering', 'sales'];

/** Deterministic pseudo-random numbers, so every run maps the same users. */
function generator(seed: number) {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

function phoneFor(index: number, random: () => number): string | null {
	const digits = String(10_000_000 + Math.floor(random() * 89_999_999)).slice(0, 8);
	switch (index % 10) {
		case 0:
			return null; // no mobile: businessPhones[0] is a desk line (rejected unless allowFixedLine), or none
		case 1:
			return `+44 7911 ${digits.slice(0, 6)}`;
		case 2:
			return `0061 4${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5, 8)}`;
		case 3:
			return `(04${digits.slice(0, 2)}) ${digits.slice(2, 5)}-${digits.slice(5, 8)}`;
		case 4:
			return index % 1000 === 4 ? `04${digits} x12` : `04${digits}`;
		default:
			return `04${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5, 8)}`;
	}
}

function generateUsers(count: number): Array<Record<string, unknown>> {
	const random = generator(42);
	const users: Array<Record<string, unknown>> = [];
	for (let i = 0; i < count; i++) {
		const first = FIRST[i % FIRST.length];
		const last = LAST[(i * 7) % LAST.length];
		const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
		if (i % 500 === 7) {
			users.push({ id, '@removed': { reason: 'deleted' } });
			continue;
		}
		users.push({
			id,
			displayName: i % 3 === 0 ? `${first} ${last}` : `${last}, ${first}`,
			givenName: i % 2 === 0 ? first : null,
			surname: i % 2 === 0 ? last : null,
			mail: `${first.toLowerCase()}.${i}@contoso.example`,
			mobilePhone: phoneFor(i, random),
			businessPhones: i % 20 === 0 ? [] : ['+61 2 9374 4000'],
			department: DEPARTMENTS[i % DEPARTMENTS.length],
			accountEnabled: i % 50 !== 0,
			usageLocation: i % 10 === 1 ? 'GB' : 'AU',
			jobTitle: 'Consultant',
		});
	}
	return users;
}

function main(): void {
	const users = generateUsers(USERS);
	const compileStarted = performance.now();
	const mapUser = compileMapper({
		...parseSeedConfiguration(EXAMPLE_CONFIGURATION),
		defaultCountry: 'AU',
		countryAttribute: 'usageLocation',
	});
	const compileMs = performance.now() - compileStarted;

	const counts = { upsert: 0, remove: 0, rejected: 0, skipped: 0 };
	const rejectCodes: Record<string, number> = {};
	const runs: number[] = [];
	const cpuRuns: number[] = [];
	// REPEATS measurements of RUNS timed runs each (a warm-up run first), with the load average beside each.
	const repeats: Array<{
		loadAverage1m: number;
		medianUsersPerSecond: number;
		medianUsersPerCpuSecond: number;
	}> = [];
	for (let repeat = 0; repeat < REPEATS; repeat++) {
		const load = Number(loadavg()[0].toFixed(2));
		const repeatRuns: number[] = [];
		const repeatCpu: number[] = [];
		for (let run = 0; run <= RUNS; run++) {
			const started = performance.now();
			const cpuStarted = process.cpuUsage();
			for (const user of users) {
				const result = mapUser(user);
				if (run !== 0 || repeat !== 0) continue;
				if (result === null) counts.skipped++;
				else if (isRejected(result)) {
					counts.rejected++;
					rejectCodes[result.code] = (rejectCodes[result.code] ?? 0) + 1;
				} else counts[result.action]++;
			}
			const seconds = (performance.now() - started) / 1000;
			const cpu = process.cpuUsage(cpuStarted);
			// Run 0 counts the outcomes and warms up the JIT; it is not timed.
			if (run !== 0) {
				repeatRuns.push(Math.round(USERS / seconds));
				repeatCpu.push(Math.round(USERS / ((cpu.user + cpu.system) / 1e6)));
			}
		}
		runs.push(...repeatRuns);
		cpuRuns.push(...repeatCpu);
		const median = (values: number[]) =>
			[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
		repeats.push({
			loadAverage1m: load,
			medianUsersPerSecond: median(repeatRuns),
			medianUsersPerCpuSecond: median(repeatCpu),
		});
	}
	const sorted = [...runs].sort((a, b) => a - b);
	const cpuSorted = [...cpuRuns].sort((a, b) => a - b);

	// The share of libphonenumber-js: E.164 normalisation alone over the same users' mobile numbers.
	const numbers = users
		.map((user) => user.mobilePhone)
		.filter((phone): phone is string => typeof phone === 'string');
	const phoneStarted = performance.now();
	for (const phone of numbers) normalisePhone(phone, { country: 'AU' });
	const phoneMicroseconds = ((performance.now() - phoneStarted) * 1000) / numbers.length;
	const results = {
		benchmark: 'contact-mapper',
		date: new Date().toISOString(),
		node: process.version,
		cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
		loadAverage1m: Number(loadavg()[0].toFixed(2)),
		users: USERS,
		configuration: 'product page example + defaultCountry AU + countryAttribute usageLocation',
		compileMs: Number(compileMs.toFixed(2)),
		usersPerSecond: {
			median: sorted[Math.floor(sorted.length / 2)],
			best: sorted[sorted.length - 1],
			runs,
		},
		repeats,
		// Wall time suffers when other processes share the 2 cores; CPU time shows the mapper's own cost.
		usersPerCpuSecond: {
			median: cpuSorted[Math.floor(cpuSorted.length / 2)],
			best: cpuSorted[cpuSorted.length - 1],
			runs: cpuRuns,
		},
		phoneNormalisationMicrosecondsPerNumber: Number(phoneMicroseconds.toFixed(2)),
		targetUsersPerSecond: TARGET_USERS_PER_SECOND,
		meetsTarget: sorted[Math.floor(sorted.length / 2)] >= TARGET_USERS_PER_SECOND,
		outcomes: { ...counts, rejectCodes },
	};
	const file = join(__dirname, '..', '..', 'results-mapping.json');
	writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
	console.log(JSON.stringify(results, null, 2));
	console.log(`written to ${file}`);
}

main();
