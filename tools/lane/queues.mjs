// Cloudflare Queues on the lane. Delivery is Miniflare's own queue broker (workerd's), so batches
// (max_batch_size / max_batch_timeout), retry() with delaySeconds, retry_delay, max_retries and
// dead-letter queues behave as on Cloudflare. Producers are `WorkerQueue` objects (the class name
// the Python SDK wraps) over Miniflare's producer bindings. The host worker inside Miniflare is
// every queue's consumer: it hands each batch to the lane (a Node service binding), which calls the
// consuming Python worker's `queue(batch)` with a MessageBatch, and applies the ack/retry calls the
// worker made to the real messages. An exception in the worker retries every message it did not
// ack or retry explicitly, as workerd does.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { resourceKey } from './bindings.mjs';

// Miniflare's broker keeps messages in memory: a kill -9 or a Ctrl-C of the lane lost every message
// in flight (15 of 35 mails), where Cloudflare's queues are durable. So the lane journals each
// message: `sent` before it reaches the broker, `done` once acked (or dropped after its last
// retry), `moved` when it goes to a dead-letter queue; a lane that starts on the same state sends
// what is still pending again (attempts start over). The broker carries the journal id inside the
// body (`LANE_ID`); the host's queue handler takes it out, so consumers see the body as sent.
const LANE_ID = '__laneJournalId';

export class QueueJournal {
  constructor(stateDir) {
    this.file = path.join(stateDir, 'queues.journal');
    this.pending = new Map(); // id -> { queue, body }
    if (fs.existsSync(this.file)) {
      for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
        if (!line) continue;
        let e;
        try {
          e = JSON.parse(line);
        } catch {
          continue; // a line cut short by a kill -9
        }
        if (e.op === 'sent') this.pending.set(e.id, { queue: e.queue, body: e.body });
        else if (e.op === 'moved' && this.pending.has(e.id)) this.pending.get(e.id).queue = e.queue;
        else if (e.op === 'done') this.pending.delete(e.id);
      }
    }
    // Compacted: only what is still pending.
    const lines = [...this.pending].map(([id, m]) => JSON.stringify({ op: 'sent', id, ...m }) + '\n');
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(`${this.file}.tmp`, lines.join(''));
    fs.renameSync(`${this.file}.tmp`, this.file);
  }
  write(entry) {
    fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
  }
  sent(queue, body) {
    const id = crypto.randomUUID();
    this.write({ op: 'sent', id, queue, body: plain(body) });
    return id;
  }
  done(id) {
    if (id) this.write({ op: 'done', id });
  }
  moved(id, queue) {
    if (id) this.write({ op: 'moved', id, queue });
  }
  // Sends what a stopped lane left pending, each to the queue it was on.
  async replay(mf, log) {
    const left = [...this.pending];
    this.pending.clear();
    for (const [id, m] of left) {
      const producer = await mf.getQueueProducer(resourceKey('Q', m.queue));
      await producer.send({ [LANE_ID]: id, body: m.body });
    }
    if (left.length) log(`queues: ${left.length} message(s) left pending by the last run sent again`);
  }
}

// A JSON copy of a message body (the SDK may hand Maps over for dicts).
function plain(value) {
  return JSON.parse(JSON.stringify(value, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v)));
}

// The `queue` handler of the host worker's default export (JS source, spliced into its script).
export const HOST_QUEUE_HANDLER = `
  async queue(batch, env) {
    const journalled = (b) => b !== null && typeof b === 'object' && '${LANE_ID}' in b;
    const messages = batch.messages.map((m) => ({
      id: m.id, body: journalled(m.body) ? m.body.body : m.body, journalId: journalled(m.body) ? m.body['${LANE_ID}'] : undefined,
      attempts: m.attempts, timestamp: m.timestamp.getTime(),
    }));
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
      // The lane's own producer for every consumed queue (dead-letter ones too): the journal's replay.
      queueProducers[resourceKey('Q', c.queue)] = { queueName: c.queue };
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
  constructor(mfQueue, queue, journal) {
    this._q = mfQueue;
    this._queue = queue;
    this._journal = journal;
  }
  // A copy detached from the interpreter's memory (workerd serializes the body too), journalled
  // before the broker has it.
  _journalled(body) {
    const id = this._journal.sent(this._queue, body);
    return { id, body: { [LANE_ID]: id, body: structuredClone(body) } };
  }
  async send(body, options) {
    const m = this._journalled(body);
    try {
      return await this._q.send(m.body, options ? { ...options } : undefined);
    } catch (e) {
      this._journal.done(m.id); // never enqueued: the caller sees the error
      throw e;
    }
  }
  async sendBatch(messages, options) {
    const sent = [...messages].map((m) => ({ ...m, ...this._journalled(m.body) }));
    try {
      return await this._q.sendBatch(sent.map(({ id, ...m }) => m), options ? { ...options } : undefined);
    } catch (e) {
      for (const m of sent) this._journal.done(m.id);
      throw e;
    }
  }
}

export async function producerBinding(mf, p, journal) {
  return new WorkerQueue(await mf.getQueueProducer(resourceKey('Q', p.queue)), p.queue, journal);
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
  journalOutcome(lane.queueJournal, consumerOf(w, queue), messages, outcome);
  return outcome;
}

function consumerOf(w, queue) {
  return (w.config.queues?.consumers ?? []).find((c) => c.queue === queue) ?? {};
}

// What the broker will do with each message (its rules: an error retries every message not
// decided; after max_retries + 1 attempts a retried message goes to the dead-letter queue or is
// dropped), written to the journal.
function journalOutcome(journal, consumer, messages, outcome) {
  if (!journal) return;
  const maxAttempts = (consumer.max_retries ?? 3) + 1;
  for (const m of messages) {
    const v = outcome.verdicts[m.id] ?? (outcome.error ? { retry: true } : outcome.all);
    if (v?.ack) journal.done(m.journalId);
    else if (m.attempts >= maxAttempts) {
      if (consumer.dead_letter_queue) journal.moved(m.journalId, consumer.dead_letter_queue);
      else journal.done(m.journalId);
    }
  }
}
