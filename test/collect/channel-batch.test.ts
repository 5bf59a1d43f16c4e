import { describe, expect, it } from 'vitest';
import { ChannelBatch, unbatch, type MessageBatch } from '../../src/collect/channel-batch.js';

type Message = { type: 'record'; n: number } | { type: 'done' };

/** A batch whose turn ends when the test says so. */
function batchOnChannel() {
  const sent: (Message | MessageBatch<Message>)[] = [];
  let turnEnds: (() => void)[] = [];
  const batch = new ChannelBatch<Message>((m) => sent.push(m), (flush) => turnEnds.push(flush));
  const endTurn = () => {
    const due = turnEnds;
    turnEnds = [];
    for (const f of due) f();
  };
  return { batch, sent, endTurn, pendingTurns: () => turnEnds.length };
}

describe('messages between the collector and its workers, a turn at a time', () => {
  it('sends the messages of one turn as one channel message, in order, and a lone message as itself', () => {
    const { batch, sent, endTurn, pendingTurns } = batchOnChannel();
    batch.post({ type: 'record', n: 1 });
    batch.post({ type: 'record', n: 2 });
    batch.post({ type: 'record', n: 3 });
    expect(sent).toEqual([]);
    // One wake-up per turn, however many messages it holds.
    expect(pendingTurns()).toBe(1);
    endTurn();
    expect(sent).toEqual([{ type: 'batch', messages: [{ type: 'record', n: 1 }, { type: 'record', n: 2 }, { type: 'record', n: 3 }] }]);
    batch.post({ type: 'record', n: 4 });
    endTurn();
    expect(sent.at(-1)).toEqual({ type: 'record', n: 4 });
    expect(sent.flatMap((m) => unbatch(m)).map((m) => (m.type === 'record' ? m.n : m.type))).toEqual([1, 2, 3, 4]);
    // A turn with nothing left to send sends nothing.
    endTurn();
    expect(sent).toHaveLength(2);
  });

  it("sends a last word at once, after what waits and on its own, and a later turn finds nothing left", () => {
    const { batch, sent, endTurn } = batchOnChannel();
    batch.post({ type: 'record', n: 1 });
    batch.post({ type: 'record', n: 2 });
    batch.now({ type: 'done' });
    expect(sent).toEqual([{ type: 'batch', messages: [{ type: 'record', n: 1 }, { type: 'record', n: 2 }] }, { type: 'done' }]);
    endTurn();
    expect(sent).toHaveLength(2);
    // Nothing waiting: the last word alone.
    batch.now({ type: 'done' });
    expect(sent.at(-1)).toEqual({ type: 'done' });
    expect(sent).toHaveLength(3);
  });

  it('reads a channel message as the messages it holds', () => {
    expect(unbatch<Message>({ type: 'done' })).toEqual([{ type: 'done' }]);
    expect(unbatch<Message>({ type: 'batch', messages: [{ type: 'record', n: 1 }, { type: 'done' }] })).toEqual([{ type: 'record', n: 1 }, { type: 'done' }]);
  });

  it('by default ends a turn after the I/O of the loop iteration that posted (setImmediate)', async () => {
    const sent: (Message | MessageBatch<Message>)[] = [];
    const batch = new ChannelBatch<Message>((m) => sent.push(m));
    batch.post({ type: 'record', n: 1 });
    await Promise.resolve();
    batch.post({ type: 'record', n: 2 });
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([{ type: 'batch', messages: [{ type: 'record', n: 1 }, { type: 'record', n: 2 }] }]);
  });
});
