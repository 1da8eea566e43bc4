/**
 * The booking webhook's secret in tests and benchmarks: the template's Header Auth credential with a
 * fresh random value, and the header a caller sends with it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface TemplateCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export function credentialsTemplate(): TemplateCredential[] {
	return JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as TemplateCredential[];
}

/** The template's booking secret credential with a random value, and the header to send. */
export function bookingSecret(): {
	credential: TemplateCredential;
	headers: Record<string, string>;
} {
	const template = credentialsTemplate().find((c) => c.id === 'mkopsBookingHook');
	if (template === undefined) throw new Error('credentials.template.json has no mkopsBookingHook');
	const value = randomBytes(24).toString('base64url');
	const name = String(template.data.name);
	return {
		credential: { ...template, data: { ...template.data, value } },
		headers: { [name]: value },
	};
}
