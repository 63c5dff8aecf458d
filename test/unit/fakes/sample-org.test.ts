import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	generateSampleOrg,
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_DEPARTMENTS,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
} from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import { call, clientSecretToken, startTrustedFakes } from './helpers';

describe('sample organisation', () => {
	const org = generateSampleOrg();
	const users = org.tenants?.[0].users ?? [];

	it('is deterministic for a seed and different for another', () => {
		expect(generateSampleOrg()).toEqual(org);
		expect(generateSampleOrg({ seed: 2 }).tenants?.[0].users?.[0].id).not.toEqual(users[0].id);
	});

	it('has ~200 users in several departments with messy phones, disabled, synced, name-only and Unicode users', () => {
		expect(users.length).toBeGreaterThanOrEqual(200);
		expect(new Set(users.map((u) => u.department).filter(Boolean))).toEqual(
			new Set(SAMPLE_DEPARTMENTS),
		);
		const phones = users
			.map((u) => u.mobilePhone)
			.filter((p): p is string => typeof p === 'string');
		expect(phones.some((p) => /^04\d{2} \d{3} \d{3}$/.test(p))).toBe(true);
		expect(phones.some((p) => p.startsWith('+61 4'))).toBe(true);
		expect(phones.some((p) => p.startsWith('0061'))).toBe(true);
		expect(phones.some((p) => /^\(04\) \d{4}-\d{4}$/.test(p))).toBe(true);
		expect(phones.some((p) => p.startsWith('+44 7'))).toBe(true);
		expect(phones.some((p) => /[A-Z]{3}/.test(p))).toBe(true);
		expect(users.some((u) => u.mobilePhone === undefined)).toBe(true);
		expect(
			users
				.flatMap((u) => (u.businessPhones as string[]) ?? [])
				.some((p) => /(ext\.|x)\s?\d+$/.test(p)),
		).toBe(true);
		expect(users.filter((u) => u.accountEnabled === false).length).toBeGreaterThanOrEqual(3);
		expect(users.filter((u) => u.onPremisesSyncEnabled === true)).toHaveLength(2);
		expect(users.some((u) => u.givenName === undefined && u.surname === undefined)).toBe(true);
		expect(users.some((u) => /[^ -~]/.test(String(u.displayName)))).toBe(true);
	});

	describe('served by the fakes', () => {
		let fakes: RunningFakes;
		let token: string;
		beforeAll(async () => {
			fakes = await startTrustedFakes({ seed: org });
			token = await clientSecretToken(
				fakes,
				SAMPLE_TENANT_ID,
				SAMPLE_CLIENT_ID,
				SAMPLE_CLIENT_SECRET,
			);
		});
		afterAll(async () => {
			await fakes.close();
		});

		it('flattens the nested SMS Alerts group (Support Team → Support - After Hours, Operations Team)', async () => {
			const groups = await call(
				`${fakes.url}/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'SMS Alerts'")}`,
				{ headers: { Authorization: `Bearer ${token}` } },
			);
			const smsAlerts = groups.json.value[0];
			const members = await call(
				`${fakes.url}/v1.0/groups/${smsAlerts.id}/transitiveMembers/microsoft.graph.user?$count=true&$top=999&$select=id,department`,
				{
					headers: { Authorization: `Bearer ${token}`, ConsistencyLevel: 'eventual' },
				},
			);
			const departments = new Set(members.json.value.map((u: any) => u.department));
			expect(departments).toEqual(
				new Set(['Support', 'Operations', 'Engineering', users[0].department, users[2].department]),
			);
		});

		it('works with @microsoft/microsoft-graph-client (customHosts) and its PageIterator over nextLinks', async () => {
			const client = Client.init({
				baseUrl: `${fakes.url}/`,
				customHosts: new Set(['127.0.0.1']),
				authProvider: (done) => done(null, token),
			});
			const first = await client.api('/users').select(['id', 'displayName']).top(50).get();
			const ids: string[] = [];
			const iterator = new PageIterator(client, first, (user: { id: string }) => {
				ids.push(user.id);
				return true;
			});
			await iterator.iterate();
			expect(new Set(ids).size).toBe(users.length);
		});

		it('has a MessageMedia account with hand-made contacts and an UNSUBSCRIBED one', async () => {
			const contacts = await call(`${fakes.url}/api/v1/contacts/contacts?pageSize=100`, {
				headers: {
					Authorization: `Basic ${Buffer.from(`${SAMPLE_MM_API_KEY}:${SAMPLE_MM_API_SECRET}`).toString('base64')}`,
				},
			});
			expect(contacts.json.totalElements).toBeGreaterThanOrEqual(2);
			expect(
				contacts.json.content.some((c: any) => c.channels[0].subscriptionState === 'UNSUBSCRIBED'),
			).toBe(true);
		});
	});
});

describe('CLI (separate process)', () => {
	it('starts with --port 0 and a seed file, writes the ready file; a client trusts it with NODE_EXTRA_CA_CERTS', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'fakes-cli-test-'));
		const seedFile = join(dir, 'seed.json');
		writeFileSync(
			seedFile,
			JSON.stringify({
				messagemedia: { accounts: [{ apiKey: 'CLIKEY', apiSecret: 'CLISECRET' }] },
			}),
		);
		const readyFile = join(dir, 'ready.json');
		const repo = resolve(__dirname, '..', '..', '..');
		const child = spawn(
			process.execPath,
			[
				'scripts/run-ts.ts',
				'test/fakes/cli.ts',
				'--port',
				'0',
				'--seed-file',
				seedFile,
				'--state-dir',
				join(dir, 'state'),
				'--ready-file',
				readyFile,
			],
			{
				cwd: repo,
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		try {
			const deadline = Date.now() + 20_000;
			while (!existsSync(readyFile)) {
				if (Date.now() > deadline || child.exitCode !== null)
					throw new Error(`fakes did not start: ${stderr}`);
				await new Promise((r) => setTimeout(r, 100));
			}
			const ready = JSON.parse(readFileSync(readyFile, 'utf8'));
			expect(ready).toEqual({
				url: `https://127.0.0.1:${ready.port}`,
				port: expect.any(Number),
				caFile: join(dir, 'state', 'ca.pem'),
				pid: child.pid,
			});
			const script = `fetch(process.argv[1], { headers: { Authorization: 'Basic ' + Buffer.from('CLIKEY:CLISECRET').toString('base64') } }).then(async (r) => console.log(r.status, await r.text()), (e) => { console.log('ERR', e.cause?.code ?? e.message); })`;
			const output = await new Promise<string>((resolveOutput) => {
				const client = spawn(
					process.execPath,
					['-e', script, `${ready.url}/api/v1/contacts/lists`],
					{ env: { ...process.env, NODE_EXTRA_CA_CERTS: ready.caFile } },
				);
				let out = '';
				client.stdout.on('data', (c: Buffer) => (out += c.toString()));
				client.on('close', () => resolveOutput(out.trim()));
			});
			expect(output).toBe('200 {"content":[],"totalElements":0}');
		} finally {
			child.kill('SIGTERM');
			await new Promise((r) => child.once('exit', r));
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
