import type { BaseSpec } from './server';

export declare const OTHER_BASE_NAME: 'Growth Team Events';
/** A fresh copy of the other team's base schema, for `emulator.createBase()`. */
export declare function otherBaseSpec(): BaseSpec;
