import { describe, expect, it } from 'vitest';
import { route } from './routes';

describe('routes', () => {
  it('maps the page paths of API.md', () => {
    expect(route('/c/night-run')).toEqual({ page: 'campaign', campaignId: 'night-run' });
    expect(route('/c/night-run/')).toEqual({ page: 'campaign', campaignId: 'night-run' });
    expect(route('/c/night-run/f/alice')).toEqual({ page: 'fundraiser', campaignId: 'night-run', fundraiserId: 'alice' });
    expect(route('/c/night-run/screen')).toEqual({ page: 'screen', campaignId: 'night-run' });
    expect(route('/c/night-run/join')).toEqual({ page: 'join', campaignId: 'night-run' });
    expect(route('/organizer')).toEqual({ page: 'organizer' });
    expect(route('/')).toEqual({ page: 'home' });
  });

  it('knows no other path', () => {
    expect(route('/c/Night_Run')).toBeNull();
    expect(route('/c/x/f/')).toBeNull();
    expect(route('/admin')).toBeNull();
  });
});
