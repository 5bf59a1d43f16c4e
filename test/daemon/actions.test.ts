import { describe, it, expect } from 'vitest';
import { packagePeriod } from '../../src/daemon/actions.js';

describe('package periods', () => {
  it('previous day, previous ISO week (Monday to Sunday), previous month, in UTC', () => {
    const at = new Date('2026-03-04T03:00:00Z'); // a Wednesday
    expect(packagePeriod('previous-day', at)).toEqual({ from: '2026-03-03', to: '2026-03-03' });
    expect(packagePeriod('previous-week', at)).toEqual({ from: '2026-02-23', to: '2026-03-01' });
    expect(packagePeriod('previous-month', at)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(packagePeriod('previous-month', new Date('2026-01-01T03:00:00Z'))).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(packagePeriod('previous-week', new Date('2026-03-02T00:00:00Z'))).toEqual({ from: '2026-02-23', to: '2026-03-01' }); // a Monday
    expect(packagePeriod('previous-day', new Date('2024-03-01T00:10:00Z'))).toEqual({ from: '2024-02-29', to: '2024-02-29' });
  });
});
