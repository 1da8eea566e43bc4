export type { Normalized } from './result';
export { normalizeEmail } from './email';
export { titleCaseName, splitFullName } from './name';
export { normalizePhone } from './phone';
export {
	normalizeDate,
	parseDateInZone,
	resolveZone,
	type DayMonthOrder,
	type ZoneOrReason,
} from './date';
export { slugify, utmCampaign } from './campaign';
export { collapseWhitespace, isBlank } from './text';
export { parseYesNo } from './yesNo';
export { parseDuration, intervalSeconds } from './duration';
export { centsToDecimal, decimalToCents, parseMoney } from './money';
export { MAX_INT4, parseId } from './id';
