import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { redisCredentialsOf, sharedRedis } from '../../shared/redis/connection';
import { COORDINATE_WORKERS } from '../../shared/redis/coordination';
import { claimDelivery, replayKey } from '../../shared/signature/replayGuard';
import {
	AUTO_SCHEMES,
	clampTolerance,
	type SignatureScheme,
	verifyWebhookSignature,
	webhookSecretProblem,
} from '../../shared/signature/webhookSignature';
import { buildOutput, eventTypeMatches, isDeliveryBody } from '../payload';
import { splitSecrets, type StoredWebhook } from './registration';

interface TriggerOptions {
	signatureScheme?: SignatureScheme | 'auto';
	toleranceSeconds?: number;
}

/**
 * One delivery: verify the signature over the raw bytes (401), check the body's shape (400), drop
 * types outside the filter (200), refuse a replay (200, no execution), then start the workflow.
 * A replay gets a 2xx on purpose: a sender retrying after a lost ack stops, and an attacker
 * replaying a capture learns nothing and starts nothing.
 */
export async function receiveDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = this.getRequestObject();
	const res = this.getResponseObject();
	const options = this.getNodeParameter('options', {}) as TriggerOptions;
	const answer = (status: number, body: IDataObject): IWebhookResponseData => {
		res.status(status).json(body);
		return { noWebhookResponse: true };
	};
	const reject = (reason: string): IWebhookResponseData => {
		// One generic answer whatever failed, so a caller learns nothing about which check tripped.
		this.logger.warn(`Luma Trigger rejected a delivery: ${reason}`, { node: this.getNode().name });
		return answer(401, { message: 'Unauthorized' });
	};

	const rawBody = (req as unknown as { rawBody?: Buffer }).rawBody;
	if (!Buffer.isBuffer(rawBody)) return reject('raw request body unavailable');

	const credentials = await this.getCredentials('lumaApi');
	const stored = this.getWorkflowStaticData('node') as StoredWebhook;
	// A secret that could verify nothing honestly (a placeholder, an undecodable whsec_) verifies nothing.
	const secrets = (
		this.getNodeParameter('registration') === 'automatic'
			? [...splitSecrets(stored.webhookSecret), ...splitSecrets(credentials.webhookSecret)]
			: splitSecrets(credentials.webhookSecret)
	).filter((secret) => webhookSecretProblem(secret) === undefined);

	const scheme = options.signatureScheme ?? 'auto';
	const toleranceSeconds = clampTolerance(options.toleranceSeconds);
	const result = verifyWebhookSignature({
		rawBody,
		headers: req.headers,
		secrets,
		allowedSchemes: scheme === 'auto' ? AUTO_SCHEMES : [scheme],
		toleranceSeconds,
	});
	if (!result.valid) return reject(result.reason);

	let body: unknown;
	try {
		body = JSON.parse(rawBody.toString('utf8'));
	} catch {
		return answer(400, { message: 'Body is not valid JSON' });
	}
	// Signed but not a delivery (null, an array, no type): a 400 the sender sees, not a guess.
	if (!isDeliveryBody(body)) return answer(400, { message: 'Body must be a JSON object with a "type"' });
	if (!eventTypeMatches(body.type, this.getNodeParameter('events') as string[])) {
		return { webhookResponse: { received: true, ignored: body.type } };
	}

	// Held for twice the tolerance: a delivery signed at t is accepted until t + tolerance, and t may
	// lie up to one tolerance ahead of this clock.
	const key = replayKey(
		[this.getWorkflow().id ?? '', this.getNode().id],
		`${result.scheme}:${result.deliveryId}`,
	);
	let first: boolean;
	try {
		const redis =
			this.getNodeParameter(COORDINATE_WORKERS, false) === true
				? sharedRedis(redisCredentialsOf(await this.getCredentials('redis')))
				: undefined;
		first = await claimDelivery(key, toleranceSeconds * 2000, redis);
	} catch (error) {
		// Without the shared memory a replay could not be refused: the sender retries later.
		this.logger.error(`Luma Trigger could not check the delivery for a replay: ${(error as Error).message}`, {
			node: this.getNode().name,
		});
		return answer(503, { message: 'Service Unavailable' });
	}
	if (!first) {
		this.logger.info(`Luma Trigger ignored a repeated delivery ${result.deliveryId}`, { node: this.getNode().name });
		return { webhookResponse: { received: true, duplicate: true } };
	}

	const output = buildOutput(body, result.deliveryId, result.scheme, result.timestamp);
	return { workflowData: [[{ json: output }]], webhookResponse: { received: true } };
}
