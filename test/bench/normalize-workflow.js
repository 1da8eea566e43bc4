// Benchmark workflow: one generated data set, two branches measured in the same execution.
//   A: Dedupe & Normalize (ours)          B: Code (normalize) → Remove Duplicates (n8n built-ins)
const GENERATE = `
const N = Number($input.first().json.body?.count ?? 100000);
const first = ['jane','JOHN','maría','o\\'brien','mcdonald','Zoë','ahmed','li','van der berg','smith-jones'];
const last = ['doe','SMITH','garcía','o\\'neil','macdonald','Ørsted','khan','wang','de la cruz','lee'];
const phones = ['(415) 555-2671','+44 20 7946 0958','415.555.2671','+49 30 901820','+1 212 555 0100'];
const dates = ['2025-12-01T14:32:00Z','12/01/2025','2025-12-01','Mon, 01 Dec 2025 14:32:00 +0000','1764599520'];
const out = new Array(N);
for (let i = 0; i < N; i++) {
  // 10% of rows repeat an earlier registration (same email + event), as Luma's double deliveries do.
  const k = i % 10 === 9 ? i - 5 : i;
  out[i] = { json: {
    guest_id: 'gst-' + i,
    event: { id: 'evt-' + (k % 50), name: 'Event number ' + (k % 50), start_at: '2025-12-15T18:00:00Z' },
    guest: { user_email: '  User' + k + '@Example.COM ', user_name: first[k % 10] + ' ' + last[(k >> 3) % 10], phone_number: phones[k % 5] },
    registration: { registered_at: dates[k % 5] },
  } };
}
return out;`;

// The same rules written as a Code node, the way a user would without our node (luxon is a Code-node global).
const CODE_NORMALIZE = `
const EMAIL = /^[^\\s@]+@[^\\s@]+\\.[a-z]{2,}$/;
const tc = (s) => s.toLowerCase().split(/\\s+/).map((w) => w.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-')).join(' ');
const phone = (p) => { const d = String(p).replace(/\\D/g, ''); if (d.length === 10) return '+1' + d; if (String(p).trim().startsWith('+')) return '+' + d; return null; };
const date = (v) => {
  let dt = DateTime.fromISO(v, { zone: 'utc' });
  if (!dt.isValid) dt = DateTime.fromRFC2822(v, { zone: 'utc' });
  if (!dt.isValid) dt = DateTime.fromFormat(v, 'MM/dd/yyyy', { zone: 'utc' });
  if (!dt.isValid && /^\\d{10}$/.test(v)) dt = DateTime.fromSeconds(Number(v), { zone: 'utc' });
  return dt.isValid ? dt.toUTC().toISO() : null;
};
const out = [];
for (const item of $input.all()) {
  const j = item.json;
  const email = String(j.guest.user_email).trim().toLowerCase();
  const [f, ...rest] = String(j.guest.user_name).trim().split(/\\s+/);
  const eventDate = date(j.event.start_at);
  const slug = j.event.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  out.push({ json: {
    email, valid: EMAIL.test(email), first_name: tc(f), last_name: tc(rest.join(' ')), phone: phone(j.guest.phone_number),
    registration_date: date(j.registration.registered_at), event_id: j.event.id, event_name: j.event.name, event_date: eventDate,
    utm_campaign: 'event_' + slug + '_' + (eventDate || '').slice(0, 10), source_record_id: j.guest_id,
  } });
}
return out;`;

module.exports = (id) => ({
	id,
	name: 'Benchmark: normalize 100k registrations',
	active: false,
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	nodes: [
		{ id: 'b0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'b0000000-0000-4000-8000-0000000000aa', parameters: { httpMethod: 'POST', path: 'bench-normalize', options: {} } },
		{ id: 'b0000000-0000-4000-8000-000000000002', name: 'Generate rows', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0], parameters: { jsCode: GENERATE } },
		{ id: 'b0000000-0000-4000-8000-000000000003', name: 'Dedupe & Normalize', type: 'n8n-nodes-marketing-ops.dedupeNormalize', typeVersion: 2, position: [460, -120], parameters: { operation: 'normalize', source: 'lumaWebhook', requiredFields: ['email', 'event_id'], dedupeKey: ['email', 'event_id'], keep: 'first', acrossRuns: false, options: {} } },
		{ id: 'b0000000-0000-4000-8000-000000000004', name: 'Code: normalize', type: 'n8n-nodes-base.code', typeVersion: 2, position: [460, 120], parameters: { jsCode: CODE_NORMALIZE } },
		{ id: 'b0000000-0000-4000-8000-000000000005', name: 'Remove Duplicates', type: 'n8n-nodes-base.removeDuplicates', typeVersion: 2, position: [680, 120], parameters: { operation: 'removeDuplicateInputItems', compare: 'selectedFields', fieldsToCompare: 'email,event_id', options: {} } },
	],
	connections: {
		Start: { main: [[{ node: 'Generate rows', type: 'main', index: 0 }]] },
		'Generate rows': { main: [[{ node: 'Dedupe & Normalize', type: 'main', index: 0 }, { node: 'Code: normalize', type: 'main', index: 0 }]] },
		'Code: normalize': { main: [[{ node: 'Remove Duplicates', type: 'main', index: 0 }]] },
	},
	pinData: {},
});
