/**
 * HighLevel (LeadConnector v2) through the shared vendor client, which sends the policy's bearer
 * token and Version header itself (policy.ts: `authHeaders`), paces every call under the location's
 * burst limit,
 * follows the limit HighLevel reports in its X-RateLimit-* headers, waits out a 429 and stops at
 * once on the daily limit, a bad token or a foreign location (policy.ts).
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	NodeApiError,
} from 'n8n-workflow';
import type { NodeOperationError } from 'n8n-workflow';

import { AttemptError } from '../../../shared/transport/attempt';
import { pathId } from '../../../shared/transport/urlSafety';
import type { RequestContext, RequestStats, VendorRequest } from '../../../shared/transport/client';
import { VendorClient } from '../../../shared/transport/client';
import type { RetrySettings } from '../../../shared/transport/policy';
import { CREDENTIAL_TYPE, highLevelPolicy, locationIdOf } from './policy';

export {
	API_VERSION,
	CREDENTIAL_TYPE,
	DEFAULT_BASE_URL,
	DEFAULT_REQUESTS_PER_10S,
	highLevelPolicy,
	isDailyLimit,
	requestsPer10s,
	WINDOW_MS,
} from './policy';

/** A HighLevel contact as the v2 API returns it (only the fields this node reads are typed). */
export interface HighLevelContact extends IDataObject {
	id: string;
	email?: string;
	tags?: string[];
}

const tagsOf = (body: { tags?: unknown } | undefined) =>
	Array.isArray(body?.tags) ? body.tags.map(String) : undefined;

// HighLevel's contact ids are letters and digits (20 of them today). Anything else could change the
// path the token is sent to: encodeURIComponent keeps dots, so `..` would turn /contacts/../tags into /tags.
const CONTACT_ID = /^[A-Za-z0-9]{1,64}$/;

/** Why `contactId` is not a HighLevel contact id, or undefined when it is one. */
export function contactIdProblem(contactId: string): string | undefined {
	if (contactId === '') return 'no contact id given';
	if (CONTACT_ID.test(contactId)) return undefined;
	const shown = contactId.length > 64 ? `${contactId.slice(0, 64)}…` : contactId;
	return `${JSON.stringify(shown)} is not a HighLevel contact id (1 to 64 letters and digits)`;
}

/** A contact id refused before any call (see contactIdProblem). */
export class InvalidContactIdError extends Error {}

/** The id as it may go into a path; anything else is refused before the call. */
function contactPathId(contactId: string): string {
	const problem = contactIdProblem(contactId);
	if (problem !== undefined) throw new InvalidContactIdError(problem);
	return pathId(contactId, 'contactId', CONTACT_ID);
}

const isContactNotFound = (error: unknown) =>
	error instanceof AttemptError &&
	error.status === 400 &&
	/not found/i.test(error.serverMessage ?? '');

/** The endpoints this node uses, on one client per execution. */
export class HighLevelApi {
	readonly client: VendorClient;

	readonly locationId: string;

	constructor(
		ctx: RequestContext,
		credentials: ICredentialDataDecryptedObject,
		retry: Partial<RetrySettings> = {},
	) {
		this.client = new VendorClient(ctx, highLevelPolicy, credentials, retry);
		this.locationId = locationIdOf(credentials);
	}

	static async fromContext(
		ctx: IExecuteFunctions | ILoadOptionsFunctions,
		retry?: Partial<RetrySettings>,
	): Promise<HighLevelApi> {
		return new HighLevelApi(ctx, await ctx.getCredentials(CREDENTIAL_TYPE), retry);
	}

	get stats(): RequestStats {
		return this.client.stats;
	}

	/** One call, paced, retried and worded by the shared client. */
	private async call<T>(req: VendorRequest): Promise<T> {
		return (await this.client.request<T>(req)).body;
	}

	/** `GET /contacts/search/duplicate`: the location's contact with this email, or null. */
	async findContactByEmail(email: string): Promise<HighLevelContact | null> {
		const body = await this.call<{ contact?: HighLevelContact | null }>({
			method: 'GET',
			path: '/contacts/search/duplicate',
			qs: { locationId: this.locationId, email },
		});
		const contact = body?.contact;
		return contact && typeof contact === 'object' && typeof contact.id === 'string'
			? contact
			: null;
	}

	/** `POST /contacts/search`: up to `limit` of the location's contacts matching name, email or phone. */
	async searchContacts(query: string, limit = 20): Promise<HighLevelContact[]> {
		const body = await this.call<{ contacts?: unknown }>({
			method: 'POST',
			path: '/contacts/search',
			body: { locationId: this.locationId, page: 1, pageLimit: limit, query },
			idempotent: true,
		});
		return (Array.isArray(body?.contacts) ? body.contacts : []).filter(
			(c): c is HighLevelContact =>
				typeof c === 'object' && c !== null && typeof (c as IDataObject).id === 'string',
		);
	}

	/** `GET /contacts/{id}`: the contact, or null when HighLevel has no contact with that id. */
	async getContact(contactId: string): Promise<HighLevelContact | null> {
		const body = await this.call<{ contact?: HighLevelContact | null }>({
			method: 'GET',
			path: `/contacts/${contactPathId(contactId)}`,
		}).catch((error: unknown) => {
			// HighLevel answers an unknown id with 400 "Contact with id … not found".
			if (isContactNotFound(error)) return null;
			throw error;
		});
		const contact = body?.contact;
		return contact && typeof contact === 'object' && typeof contact.id === 'string'
			? contact
			: null;
	}

	/** `POST /contacts/{id}/tags`; the contact's tags when HighLevel lists them. Adding twice is harmless. */
	async addTags(contactId: string, tags: string[]): Promise<string[] | undefined> {
		return tagsOf(
			await this.call<{ tags?: unknown }>({
				method: 'POST',
				path: `/contacts/${contactPathId(contactId)}/tags`,
				body: { tags },
				idempotent: true,
			}),
		);
	}

	/** `DELETE /contacts/{id}/tags` with a JSON body, as HighLevel documents it. */
	async removeTags(contactId: string, tags: string[]): Promise<string[] | undefined> {
		return tagsOf(
			await this.call<{ tags?: unknown }>({
				method: 'DELETE',
				path: `/contacts/${contactPathId(contactId)}/tags`,
				body: { tags },
			}),
		);
	}

	/** The error the user sees; never the token. */
	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		return this.client.toNodeError(error, { itemIndex });
	}

	/** True for a failure no later call can succeed after (token, location, daily limit). */
	isFatal(error: unknown): boolean {
		return this.client.isFatal(error);
	}
}

/** The parameter a HighLevel 400 blames, when it is about the contact. */
export function blamedField(error: unknown): string | undefined {
	if (error instanceof InvalidContactIdError) return 'contactId';
	if (!(error instanceof AttemptError) || error.status !== 400) return undefined;
	return /contact/i.test(error.serverMessage ?? '') ? 'contactId' : undefined;
}
