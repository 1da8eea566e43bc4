import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { checkedBaseUrl } from '../../../shared/transport/urlSafety';
import { webhookSecretProblem } from '../../../shared/signature/webhookSignature';
import { DEFAULT_BASE_URL, timeoutMs } from '../transport/policy';

const fail = (message: string): INodeCredentialTestResult => ({ status: 'Error', message });

/**
 * The Luma credential's Test button (a node-side test, so it can refuse what a request can't):
 * a base URL that is not https:// (localhost aside) and a `whsec_` secret that does not decode are
 * refused before any call; then the key is checked against /v1/users/get-self.
 */
export async function lumaApiCredentialTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let baseUrl: string;
	let timeout: number;
	try {
		baseUrl = checkedBaseUrl(String(data.baseUrl || DEFAULT_BASE_URL));
		timeout = timeoutMs(data);
	} catch (error) {
		return fail((error as Error).message);
	}
	for (const secret of String(data.webhookSecret ?? '').split(/[\s,]+/).filter(Boolean)) {
		const problem = webhookSecretProblem(secret);
		if (problem !== undefined) return fail(problem);
	}
	// fetch: the test context offers only the deprecated `request` helper.
	let status: number | undefined;
	try {
		const response = await fetch(`${baseUrl}/v1/users/get-self`, {
			headers: { 'x-luma-api-key': String(data.apiKey ?? ''), accept: 'application/json' },
			signal: AbortSignal.timeout(timeout),
		});
		await response.arrayBuffer();
		status = response.status;
	} catch {
		return fail(`Luma could not be reached at ${baseUrl}`);
	}
	if (status === 401 || status === 403) return fail(`Luma refused the API key (${status})`);
	if (status < 200 || status >= 300) return fail(`Luma answered ${status} to the credential test`);
	return { status: 'OK', message: 'Connection successful!' };
}
