/** The credential test: one token, one harmless Graph read. */
import type { GraphTransport } from './graph';

/** Gets a token and reads one user id (needs User.Read.All); throws the mapped error on failure. */
export async function checkConnection(graph: GraphTransport): Promise<string> {
	await graph.get('/users', { query: { $top: 1, $select: 'id' } });
	return 'Connected: a token was issued and Microsoft Graph answered a user read.';
}
