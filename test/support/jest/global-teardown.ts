/** Removes the n8n user folder global-setup.ts made for this jest run. */
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
	const folder = process.env.N8N_USER_FOLDER;
	if (folder) rmSync(folder, { recursive: true, force: true });
}
