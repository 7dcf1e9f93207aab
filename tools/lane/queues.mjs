// Cloudflare Queues on the lane. Delivery is Miniflare's own queue broker (workerd's), so batches
// (max_batch_size / max_batch_timeout), retry() with delaySeconds, retry_delay, max_retries and
// dead-letter queues behave as on Cloudflare. Producers are `WorkerQueue` objects (the class name
// the Python SDK wraps) over Miniflare's producer bindings. The host worker inside Miniflare is
// every queue's consumer: it hands each batch to the lane (a Node service binding), which calls the
// consuming Python worker's `queue(batch)` with a MessageBatch, and applies the ack/retry calls the
// worker made to the real messages. An exception in the worker retries every message it did not
// ack or retry explicitly, as workerd does.

import { resourceKey } from './bindings.mjs';

// The `queue` handler of the host worker's default export (JS source, spliced into its script).
export const HOST_QUEUE_HANDLER = `
  async queue(batch, env) {
    const messages = batch.messages.map((m) => ({ id: m.id, body: m.body, attempts: m.attempts, timestamp: m.timestamp.getTime() }));
    const res = await env.LANE_QUEUE.fetch('http://lane/queue', { method: 'POST', body: JSON.stringify({ queue: batch.queue, messages }) });
    const { verdicts, all, error } = await res.json();
    for (const m of batch.messages) {
      const v = verdicts[m.id] ?? all;
      if (v?.ack) m.ack();
      else if (v?.retry) m.retry(v.delaySeconds === undefined ? undefined : { delaySeconds: v.delaySeconds });
    }
    if (error) throw new Error(error);
  },`;

function consumerOptions(c) {
  const o = { maxBatchSize: c.max_batch_size, maxBatchTimeout: c.max_batch_timeout, maxRetries: c.max_retries, deadLetterQueue: c.dead_letter_queue, retryDelay: c.retry_delay };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

// Miniflare options for every queue the bundles declare, and which worker consumes each.
export function queueOptions(workers, deliver) {
  const queueProducers = {};
  const queueConsumers = {};
  const consumers = {};
  for (const w of workers) {
    for (const p of w.config.queues?.producers ?? []) queueProducers[resourceKey('Q', p.queue)] = { queueName: p.queue };
    for (const c of w.config.queues?.consumers ?? []) {
      queueConsumers[c.queue] = consumerOptions(c);
      consumers[c.queue] = w.short;
    }
  }
  const laneQueue = async (request) => {
    const { queue, messages } = await request.json();
    const outcome = await deliver(consumers[queue], queue, messages);
    return new Response(JSON.stringify(outcome), { headers: { 'content-type': 'application/json' } });
  };
  return { queueProducers, queueConsumers, serviceBindings: { LANE_QUEUE: laneQueue } };
}

// A producer binding, as workerd's WorkerQueue: send(body, {delaySeconds}), sendBatch(messages).
export class WorkerQueue {
  constructor(mfQueue) {
    this._q = mfQueue;
  }
  async send(body, options) {
    // A copy detached from the interpreter's memory (workerd serializes the body too).
    return await this._q.send(structuredClone(body), options ? { ...options } : undefined);
  }
  async sendBatch(messages, options) {
    const copied = [...messages].map((m) => ({ ...m, body: structuredClone(m.body) }));
    return await this._q.sendBatch(copied, options ? { ...options } : undefined);
  }
}

export async function producerBinding(mf, p) {
  return new WorkerQueue(await mf.getQueueProducer(resourceKey('Q', p.queue)));
}

// What the Python handler sees: workerd's MessageBatch and Message, recording ack/retry calls.
class Message {
  constructor(m, verdicts) {
    Object.assign(this, { id: m.id, body: m.body, attempts: m.attempts, timestamp: new Date(m.timestamp) });
    this._verdicts = verdicts;
  }
  ack() {
    this._verdicts[this.id] ??= { ack: true };
  }
  retry(options) {
    this._verdicts[this.id] ??= { retry: true, delaySeconds: options?.delaySeconds };
  }
}

class MessageBatch {
  constructor(queue, messages, outcome) {
    this.queue = queue;
    this.messages = messages.map((m) => new Message(m, outcome.verdicts));
    this._outcome = outcome;
  }
  ackAll() {
    this._outcome.all ??= { ack: true };
  }
  retryAll(options) {
    this._outcome.all ??= { retry: true, delaySeconds: options?.delaySeconds };
  }
}

// Calls the consumer's `queue` handler; returns the verdicts (and the error, if it threw).
export async function deliverBatch(lane, short, queue, messages) {
  const outcome = { verdicts: {}, all: undefined, error: undefined };
  const w = lane.worker(short);
  try {
    await w.call('Default', 'queue', [new MessageBatch(queue, messages, outcome)]);
    outcome.all ??= { ack: true }; // returning without error acks what was not decided
  } catch (e) {
    lane.log(`[${short}] queue ${queue}: handler failed: ${e?.message ?? e}`);
    outcome.error = String(e?.message ?? e).slice(0, 500);
  }
  return outcome;
}
