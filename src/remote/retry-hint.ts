/** What to do after a transfer broke off: what already crossed is kept, so a retry does not send it again. */
export const RETRY_HINT = 'run the command again (what already crossed is not sent again)';
