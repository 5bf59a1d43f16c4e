/** Several messages that crossed the channel between the collector and a collection worker as one. */
export interface MessageBatch<M> {
  type: 'batch';
  messages: M[];
}

/**
 * Sends the messages of one turn of the event loop as one message on a process channel: each message is a write on the
 * channel and a wake-up of the process reading it, and a collection task sends several (its member part, its body,
 * its record, each paced call's token). Order is kept; a lone message goes as itself. `now` sends what waits, then
 * its own message as itself, at once (a worker's last word, which must not wait for a turn that may never come).
 */
export class ChannelBatch<M> {
  private queued: M[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (message: M | MessageBatch<M>) => void,
    private readonly later: (flush: () => void) => void = (flush) => setImmediate(flush),
  ) {}

  post(message: M): void {
    this.queued.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    this.later(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends what waits, then `message` on its own. */
  now(message: M): void {
    this.flush();
    this.send(message);
  }

  /** Sends what waits, if anything. */
  flush(): void {
    if (this.queued.length === 0) return;
    const messages = this.queued;
    this.queued = [];
    this.send(messages.length === 1 ? messages[0] : { type: 'batch', messages });
  }
}

/** The messages a channel message holds: a batch's, in order, or the message itself. */
export function unbatch<M extends { type: string }>(message: M | MessageBatch<M>): M[] {
  return message.type === 'batch' ? (message as MessageBatch<M>).messages : [message as M];
}
