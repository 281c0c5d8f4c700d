import { describe as suite, expect, it } from 'vitest';
import { ApiError } from '../../api';
import { lang } from '../../i18n';
import { describe } from './common';

suite('a refusal in the organizer console', () => {
  lang.value = 'en';

  it('names one bad field once, as the service says it', () => {
    const refused = new ApiError({ status: 400, detail: 'capMinor: must be between 1 and 10', errors: [{ field: 'capMinor', message: 'must be between 1 and 10' }] });
    expect(describe(refused)).toBe('capMinor: must be between 1 and 10');
  });

  it('lists each bad field after the detail when several are', () => {
    const refused = new ApiError({
      status: 400,
      detail: '2 fields are invalid',
      errors: [
        { field: 'sponsor', message: 'is required' },
        { field: 'endsAt', message: 'must be after startsAt' },
      ],
    });
    expect(describe(refused)).toBe('2 fields are invalid (sponsor: is required; endsAt: must be after startsAt)');
  });
});
