// Throwaway TLS material for reaching the HubSpot emulator under a real host name (api.hubapi.com):
// a one-day CA and a server certificate it signs, made with the openssl CLI. Nothing here is trusted by
// the system; the bench hands the CA to n8n through NODE_EXTRA_CA_CERTS only.
const { execFileSync } = require('child_process');
const { mkdirSync, readFileSync, writeFileSync } = require('fs');
const { join } = require('path');

function openssl(args, cwd) {
	try {
		return execFileSync('openssl', args, { cwd, stdio: 'pipe', encoding: 'utf8' });
	} catch (error) {
		if (error.code === 'ENOENT')
			throw new Error(
				'openssl is not installed (needed to make the throwaway CA for api.hubapi.com)',
			);
		throw new Error(`openssl ${args[0]} failed: ${error.stderr || error.message}`);
	}
}

/**
 * Writes ca.crt, ca.key, server.key and server.crt (for `hostnames`, plus IP 127.0.0.1) into `dir`.
 * Returns the paths and the PEM strings the emulator's https listener needs.
 */
function makeTlsFiles(dir, hostnames = ['api.hubapi.com']) {
	mkdirSync(dir, { recursive: true });
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
	writeFileSync(
		join(dir, 'ca.cnf'),
		[
			'[req]',
			'distinguished_name = dn',
			'x509_extensions = v3_ca',
			'prompt = no',
			'[dn]',
			'CN = n8n-nodes-marketing-ops throwaway bench CA',
			'[v3_ca]',
			'basicConstraints = critical, CA:TRUE',
			'keyUsage = critical, keyCertSign, cRLSign',
			'subjectKeyIdentifier = hash',
			'',
		].join('\n'),
	);
	openssl(
		[
			'req',
			'-x509',
			...ec,
			'-keyout',
			'ca.key',
			'-out',
			'ca.crt',
			'-days',
			'1',
			'-config',
			'ca.cnf',
		],
		dir,
	);
	openssl(
		[
			'req',
			'-new',
			...ec,
			'-keyout',
			'server.key',
			'-out',
			'server.csr',
			'-subj',
			`/CN=${hostnames[0]}`,
		],
		dir,
	);
	const san = [...hostnames.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(', ');
	writeFileSync(
		join(dir, 'server.ext'),
		[
			'basicConstraints = CA:FALSE',
			'keyUsage = critical, digitalSignature',
			'extendedKeyUsage = serverAuth',
			`subjectAltName = ${san}`,
			'subjectKeyIdentifier = hash',
			'authorityKeyIdentifier = keyid, issuer',
			'',
		].join('\n'),
	);
	openssl(
		[
			'x509',
			'-req',
			'-in',
			'server.csr',
			'-CA',
			'ca.crt',
			'-CAkey',
			'ca.key',
			'-CAcreateserial',
			'-out',
			'server.crt',
			'-days',
			'1',
			'-extfile',
			'server.ext',
		],
		dir,
	);
	return {
		dir,
		caFile: join(dir, 'ca.crt'),
		ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
		key: readFileSync(join(dir, 'server.key'), 'utf8'),
		cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
	};
}

module.exports = { makeTlsFiles };
