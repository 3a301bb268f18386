/**
 * Names a definition's service tasks may call (checked by the validator). Notification activities are internal.
 *
 * Its own module, free of imports, so the API and the validator know the names without loading the activities
 * (nodemailer, the HTTP client of the webhook).
 */
export const ACTIVITY_NAMES: readonly string[] = [];
