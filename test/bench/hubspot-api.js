// n8n's HubSpot node only calls https://api.hubapi.com, so a bench that runs it serves that name itself: a listener
// on 127.0.0.1:443 under a throwaway CA (n8n trusts it through NODE_EXTRA_CA_CERTS) and a marked hosts line.
const https = require('https');
const { DEFAULT_TOKEN } = require('../emulators/hubspot/server.js');
const { checkHostsWritable, pointHostHere } = require('./hubspot-hosts.js');
const { makeTlsFiles } = require('./hubspot-tls.js');

const HUBSPOT_API = 'api.hubapi.com';

/**
 * The error to show when a listener cannot take 127.0.0.1:443 (the node's host is fixed, so no other port will
 * do); `suspects` names likely holders of the port. Other errors are returned as they are.
 */
function port443Error(error, { suspects = '' } = {}) {
	if (error.code === 'EACCES')
		return new Error(
			'cannot listen on 127.0.0.1:443 (permission denied): the built-in HubSpot node only calls https://api.hubapi.com, so the bench must serve port 443. Run as root, or allow it with `sudo sysctl net.ipv4.ip_unprivileged_port_start=443`.',
		);
	if (error.code === 'EADDRINUSE')
		return new Error(
			`cannot listen on 127.0.0.1:443: another process uses that port (${suspects}see \`ss -ltnp "sport = :443"\`); stop it and run again.`,
		);
	return error;
}

/** One HTTPS call from this process: proves the hosts line and the certificate before n8n relies on them. */
function probe(ca) {
	return new Promise((resolve, reject) => {
		const req = https.get(
			`https://${HUBSPOT_API}/account-info/v3/details`,
			{ ca, headers: { authorization: `Bearer ${DEFAULT_TOKEN}` }, timeout: 10000 },
			(res) => {
				res.resume();
				res.on('end', () =>
					res.statusCode === 200
						? resolve()
						: reject(new Error(`https://${HUBSPOT_API} answered ${res.statusCode}`)),
				);
			},
		);
		req.on('timeout', () => req.destroy(new Error('timed out')));
		req.on('error', (error) =>
			reject(
				new Error(`https://${HUBSPOT_API} is not reachable through the emulator: ${error.message}`),
			),
		);
	});
}

/**
 * Serves https://api.hubapi.com from this machine until `cleanups` runs: TLS files in `dir`, then `listen(tls)`
 * starts what answers on 127.0.0.1:443 (and adds its own cleanup), then the hosts line and a probe. The hosts
 * file is checked first, so a run that cannot change it fails before anything starts. Returns
 * `{ tls, hostsLine }`.
 */
async function serveHubSpotApi(cleanups, dir, listen) {
	const tls = makeTlsFiles(dir, [HUBSPOT_API]);
	checkHostsWritable();
	await listen(tls);
	const hostsLine = await pointHostHere(cleanups, HUBSPOT_API);
	await probe(tls.ca);
	return { tls, hostsLine };
}

module.exports = { HUBSPOT_API, port443Error, serveHubSpotApi };
