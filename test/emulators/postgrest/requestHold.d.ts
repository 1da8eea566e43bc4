/** A test's gate on an emulator (requestHold.js). */
export interface RequestHold {
	/** Resolves once `count` matching requests wait at the same time. */
	reached(count: number): Promise<void>;
	/** Requests waiting now. */
	held(): number;
	/** Lets the longest-waiting request go on; false when none waits. */
	releaseNext(): boolean;
	/** Lets every waiting request go on, and holds no more. */
	release(): void;
}

export interface Holds {
	add(filter?: object | ((entry: never) => boolean)): RequestHold;
	pass(entry: object): Promise<void>;
	releaseAll(): void;
}

export declare function createHolds(): Holds;
