/**
 * One n8n user folder for the whole jest run (test/support/n8n-context.ts runs nodes in n8n-core's own
 * contexts, and n8n-core keeps its instance settings there). The settings file is written here, before
 * the workers start, so no two workers race to create it, and nothing is written to ~/.n8n.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENCRYPTION_KEY = 'entra-sync-unit-tests';

export default function globalSetup(): void {
	const folder = mkdtempSync(join(tmpdir(), 'entra-sync-n8n-'));
	mkdirSync(join(folder, '.n8n'));
	writeFileSync(join(folder, '.n8n', 'config'), JSON.stringify({ encryptionKey: ENCRYPTION_KEY }), {
		mode: 0o600,
	});
	process.env.N8N_USER_FOLDER = folder;
	process.env.N8N_ENCRYPTION_KEY = ENCRYPTION_KEY;
}
