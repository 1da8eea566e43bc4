export type { Normalized } from './result';
export { normalizeEmail } from './email';
export { titleCaseName, splitFullName } from './name';
export { normalizePhone } from './phone';
export { normalizeDate, type DayMonthOrder } from './date';
export { slugify, utmCampaign } from './campaign';
export { collapseWhitespace } from './text';
