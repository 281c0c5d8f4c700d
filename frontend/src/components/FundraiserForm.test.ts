import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { lang } from '../i18n';
import { problemText } from './FundraiserForm';

describe('a refused fundraiser form', () => {
  lang.value = 'en';

  it('shows each bad field beside its input, the goal under its own name', () => {
    const refused = new ApiError({
      status: 400,
      detail: 'Invalid request',
      errors: [
        { field: 'displayName', message: 'must be 1 to 80 characters' },
        { field: 'goalMinor', message: 'must be positive' },
      ],
    });
    expect(problemText(refused)).toEqual({
      text: 'Please check the form.',
      fields: { displayName: 'must be 1 to 80 characters', goal: 'must be positive' },
    });
  });

  it('says when to try again after a 429, and what the page says for a status it knows', () => {
    expect(problemText(new ApiError({ status: 429, retryAfter: 42 })).text).toBe('Too many requests from your network: try again in 42 s.');
    expect(problemText(new ApiError({ status: 403, type: 'signup-closed' }), { 403: 'closed' }).text).toBe('closed');
    expect(problemText(new ApiError({ status: 404, detail: 'Unknown team' })).text).toBe('Unknown team');
  });
});
