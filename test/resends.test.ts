/** The host's "send that again, flatter": bounded in count and in time, whatever the isolate does. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Resends } from '../src/isolates/validate.js';

describe('Resends', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function resends(): { policy: Resends; asked: number[]; failed: string[] } {
    const asked: number[] = [];
    const failed: string[] = [];
    return { policy: new Resends((attempt) => asked.push(attempt), (error) => failed.push(error.message)), asked, failed };
  }

  it('asks twice (attempt 1, then 2), then gives up with a protocol error', () => {
    const { policy, asked, failed } = resends();
    policy.unreadable();
    policy.unreadable();
    expect(asked).toEqual([1, 2]);
    expect(failed).toEqual([]);
    policy.unreadable();
    expect(failed).toEqual(['The isolate broke the report protocol (a report the host could not read, even flattened); it was stopped']);
  });

  it('an isolate that never answers a request is given up on after 5 s, also with timeout: Infinity', () => {
    vi.useFakeTimers();
    const { policy, failed } = resends();
    policy.unreadable();
    vi.advanceTimersByTime(4_999);
    expect(failed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(failed).toHaveLength(1);
  });

  it('an answer in time settles it: no failure later', () => {
    vi.useFakeTimers();
    const { policy, failed } = resends();
    policy.unreadable();
    vi.advanceTimersByTime(100);
    policy.settle();
    vi.advanceTimersByTime(60_000);
    expect(failed).toEqual([]);
  });
});
