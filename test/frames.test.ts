/**
 * The host's reader of a `'process'` harness's report pipe: keyed frames,
 * split however the pipe delivers them; anything else is a breach, never a
 * throw.
 */
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../src/isolates/frames.js';

const KEY = '0123456789abcdef0123456789abcdef';

function frame(message: unknown, key = KEY): Buffer {
  const payload = serialize(message);
  const header = Buffer.alloc(20);
  header.writeUInt32LE(payload.length, 0);
  Buffer.from(key, 'hex').copy(header, 4);
  return Buffer.concat([header, payload]);
}

function reader(): { reader: FrameReader; got: unknown[]; unreadable: number; corrupt: string[] } {
  const state = { got: [] as unknown[], unreadable: 0, corrupt: [] as string[] };
  const r = new FrameReader({
    message: (m) => state.got.push(m),
    unreadable: () => state.unreadable++,
    corrupt: (e) => state.corrupt.push(e.message),
  });
  r.expect(KEY);
  return {
    reader: r,
    get got() {
      return state.got;
    },
    get unreadable() {
      return state.unreadable;
    },
    get corrupt() {
      return state.corrupt;
    },
  };
}

describe('FrameReader', () => {
  it('reads a thousand frames from one chunk, and the same bytes cut at every size from 1 to 97', () => {
    const messages = Array.from({ length: 1_000 }, (_, i) => ({ type: 'output', text: `line ${i}\n` }));
    const bytes = Buffer.concat(messages.map((m) => frame(m)));
    const whole = reader();
    whole.reader.push(bytes);
    expect(whole.got).toEqual(messages);
    for (const size of [1, 2, 3, 7, 19, 20, 21, 64, 97]) {
      const cut = reader();
      for (let at = 0; at < bytes.length; at += size) cut.reader.push(bytes.subarray(at, at + size));
      expect(cut.got).toEqual(messages);
      expect(cut.corrupt).toEqual([]);
    }
  });

  it('rejects a frame with another key at its header, before its payload arrives, and reads nothing after', () => {
    const r = reader();
    r.reader.push(frame({ type: 'output', text: 'a' }));
    const forged = frame({ type: 'result', value: 'forged' }, 'ffffffffffffffffffffffffffffffff');
    r.reader.push(forged.subarray(0, 20));
    expect(r.corrupt).toEqual(['a frame that the harness did not write']);
    r.reader.push(forged.subarray(20));
    r.reader.push(frame({ type: 'output', text: 'b' }));
    expect(r.got).toEqual([{ type: 'output', text: 'a' }]);
  });

  it('rejects a header claiming more than 1 GB at once', () => {
    const r = reader();
    const header = Buffer.alloc(20);
    header.writeUInt32LE(0xffffffff, 0);
    Buffer.from(KEY, 'hex').copy(header, 4);
    r.reader.push(header);
    expect(r.corrupt[0]).toMatch(/claims 4294967295 bytes/);
  });

  it('a keyed frame whose payload does not deserialize is unreadable, and reading goes on', () => {
    const r = reader();
    const bad = Buffer.alloc(20 + 3, 0xff);
    bad.writeUInt32LE(3, 0);
    Buffer.from(KEY, 'hex').copy(bad, 4);
    r.reader.push(Buffer.concat([bad, frame({ type: 'output', text: 'after' })]));
    expect(r.unreadable).toBe(1);
    expect(r.got).toEqual([{ type: 'output', text: 'after' }]);
    expect(r.corrupt).toEqual([]);
  });
});
