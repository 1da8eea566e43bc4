import { normalizeTag } from './tags';

export type CheckStatus = 'attended' | 'no_show' | 'not_found';

export type WhenNotFound = 'noChange' | 'addTag';

export interface TagSettings {
	/** Added to attendees, removed from no-shows; '' = never touched. */
	attendedTag: string;
	/** Added to no-shows, removed from attendees; '' = never touched. */
	noShowTag: string;
	whenNotFound: WhenNotFound;
	/** Added when the registrant is not in the database and whenNotFound is 'addTag'. */
	notFoundTag: string;
	/** attended_replay counts like attended_live. */
	replayCountsAsAttended: boolean;
}

export interface AttendanceFlags {
	attended_live: boolean;
	attended_replay: boolean;
}

export interface Decision {
	status: CheckStatus;
	/** null when the registrant was not found. */
	attended: boolean | null;
	/** The tag the contact must carry after the check, if any. */
	tagAdded: string | null;
	/** The tag the contact must not carry after the check, if any. */
	tagRemoved: string | null;
	/** False when the contact's known tags show the tag is already there. */
	callAdd: boolean;
	/** False when the contact's known tags show the tag is already absent. */
	callRemove: boolean;
}

/** Why the tag settings cannot work, naming the parameter; undefined when they are fine. */
export function tagSettingsProblem(settings: TagSettings): string | undefined {
	const attended = normalizeTag(settings.attendedTag);
	const noShow = normalizeTag(settings.noShowTag);
	if (attended !== '' && attended === noShow)
		return `Field 'noShowTag': the No-Show Tag must differ from the Attended Tag ("${settings.attendedTag}"); HighLevel tags ignore case`;
	if (settings.whenNotFound === 'addTag' && normalizeTag(settings.notFoundTag) === '')
		return "Field 'notFoundTag': When Not Found is 'Add Tag' but the Not Found Tag is empty";
	if (attended.includes(',') || noShow.includes(',') || settings.notFoundTag.includes(','))
		return 'Tag names cannot contain commas: HighLevel sends tags as a comma-separated list';
	return undefined;
}

export function isAttended(flags: AttendanceFlags, replayCountsAsAttended: boolean): boolean {
	return flags.attended_live === true || (replayCountsAsAttended && flags.attended_replay === true);
}

/**
 * What to do with the contact's tags. `currentTags` (normalized) are the tags HighLevel says the
 * contact has; with them, an add of a tag already present and a remove of a tag already absent are
 * skipped (HighLevel allows 100 calls per 10 s). `undefined` = unknown: every call is made.
 */
export function decideAttendance(
	registrant: AttendanceFlags | null,
	settings: TagSettings,
	currentTags?: ReadonlySet<string>,
): Decision {
	const tag = (name: string) => (name.trim() === '' ? null : name.trim());
	let status: CheckStatus;
	let attended: boolean | null;
	let tagAdded: string | null;
	let tagRemoved: string | null;
	if (registrant === null) {
		status = 'not_found';
		attended = null;
		tagAdded = settings.whenNotFound === 'addTag' ? tag(settings.notFoundTag) : null;
		tagRemoved = null;
	} else {
		attended = isAttended(registrant, settings.replayCountsAsAttended);
		status = attended ? 'attended' : 'no_show';
		tagAdded = tag(attended ? settings.attendedTag : settings.noShowTag);
		tagRemoved = tag(attended ? settings.noShowTag : settings.attendedTag);
	}
	const has = (name: string) => currentTags?.has(normalizeTag(name));
	return {
		status,
		attended,
		tagAdded,
		tagRemoved,
		callAdd: tagAdded !== null && has(tagAdded) !== true,
		callRemove: tagRemoved !== null && (currentTags === undefined || has(tagRemoved) === true),
	};
}
