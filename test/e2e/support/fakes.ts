/**
 * The fake services for one e2e test file, in the jest process (n8n reaches them over HTTPS on
 * 127.0.0.1 and trusts their CA through NODE_EXTRA_CA_CERTS), plus an admin client.
 */
import { startFakes, type RunningFakes } from '../../fakes/server';
import type { FakeOptions } from '../../fakes/types';
import { FakesAdmin } from './fakes-admin';

export interface E2eFakes {
	fakes: RunningFakes;
	admin: FakesAdmin;
}

export async function startE2eFakes(options: FakeOptions): Promise<E2eFakes> {
	const fakes = await startFakes(options);
	return { fakes, admin: new FakesAdmin(fakes.url, fakes.ca) };
}
