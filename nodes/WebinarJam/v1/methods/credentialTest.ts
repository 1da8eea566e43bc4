import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { testPostgresConnection } from '../../../shared/database/connection';

/** The Test button of n8n's Postgres credential when used by this node: connect and SELECT 1. */
export async function webinarJamPostgresTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testPostgresConnection(credential.data ?? {});
}
