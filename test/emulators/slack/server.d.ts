export declare const DEFAULT_TOKEN: 'xoxb-emulator-token';

export interface SlackMessage {
	channel: string;
	text: string;
	blocks?: unknown;
	ts: string;
	tokenFingerprint: string;
}

export interface SlackRequest {
	method: string;
	path: string;
	tokenFingerprint: string | null;
	time: number;
	ok?: boolean;
	error?: string;
}

export interface SlackFaults {
	/** The next N chat.postMessage calls answer `{ok: false, error: failError}`. */
	failNext: number;
	failError: string;
}

export interface SlackEmulator {
	/** http://127.0.0.1:<port>, an HTTP forward proxy that serves CONNECT slack.com:443 itself. */
	proxyUrl: string;
	port: number;
	/** The throwaway CA that signed the emulator's slack.com certificate. */
	caFile: string;
	defaultToken: string;
	/** HTTPS_PROXY, NO_PROXY (127.0.0.1, localhost) and NODE_EXTRA_CA_CERTS for an n8n process. */
	n8nEnv(): Record<string, string>;
	messages(): SlackMessage[];
	requests(): SlackRequest[];
	setFaults(patch: Partial<SlackFaults>): SlackFaults;
	reset(): void;
	close(): Promise<void>;
}

export declare function startSlackEmulator(opts?: {
	port?: number;
	host?: string;
	tokens?: string[];
}): Promise<SlackEmulator>;
