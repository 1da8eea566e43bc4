// Privacy's redaction: a store's message never carries the person's address, however it was encoded.
import { redact } from '../../nodes/Privacy/v1/helpers/subject';

it('removes the address as text, URL-encoded in either case, and form-encoded', () => {
	const email = 'jane+news@example.com';
	const message = [
		'Airtable: filterByFormula=LOWER({Email})="jane+news@example.com" failed',
		'GET /v0/base?filterByFormula=%7BEmail%7D%3D%22jane%2Bnews%40example.com%22',
		'GET /v0/base?email=JANE%2bNEWS%40EXAMPLE.COM',
		'mary.jane+news@example.com is someone else',
	].join('\n');
	const out = redact(message, email);
	expect(out.split('\n')).toEqual([
		'Airtable: filterByFormula=LOWER({Email})="[subject]" failed',
		'GET /v0/base?filterByFormula=%7BEmail%7D%3D%22[subject]%22',
		'GET /v0/base?email=[subject]',
		// Redacting more than the person is harmless in an error message.
		'mary.[subject] is someone else',
	]);
});
