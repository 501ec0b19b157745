// bench/bullmq_baseline.mjs: the BullMQ side of jobstack's benchmark suite.
// bench/run.py runs it once per command and process; each command prints one
// line "BENCH_JSON {...}" on stdout (times in ms, rates in jobs/s):
//   add      --seconds S [--chunk 100]      Queue.add, `chunk` adds at once (figure 1)
//   addbulk  --seconds S [--batch 1000] [--concurrency 4]
//                                           Queue.addBulk, that many at once (figure 2)
//   fill     --jobs N [--batch 1000]        addBulk N jobs, untimed (figures 3, 5)
//   work     --jobs N [--concurrency 50]    one Worker until N jobs completed: first
//                                           start to last finish, and each job's
//                                           latency from data.sent_ms (figures 3, 4);
//                                           prints "READY" once it takes jobs
//   produce  --rate R --seconds S           Queue.add at a fixed rate (open loop),
//                                           data.sent_ms = wall time of the send (figure 4)
// Common: --port P (Redis on 127.0.0.1), --db D (default 1), --queue Q (default bench).
// Jobs are named "echo", carry the payload jobstack's jobs carry, and the
// processor does nothing. BullMQ's defaults stay (completed jobs are kept,
// like jobstack keeps finished jobs for their retention time).
// Needs bench/node_modules (npm ci in bench/, as scripts/bench.sh does).

import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';

const PAYLOAD = { text: 'benchmark payload', n: 12345 };

function parseArgs(argv) {
  const o = { command: argv[0], port: 6379, db: 1, queue: 'bench', seconds: 10, chunk: 100,
              batch: 1000, concurrency: 0, jobs: 0, rate: 1000, timeoutS: 600 };
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = key === 'queue' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return o;
}

// Wall-clock time in ms with sub-ms resolution (same clock as Python's time.time()).
const wallMs = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function connection(o) {
  // BullMQ takes a client instance here (its ESM build does not load ioredis itself).
  return new IORedis({ host: '127.0.0.1', port: o.port, db: o.db, maxRetriesPerRequest: null });
}

function percentiles(values) {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const s = Float64Array.from(values).sort();
  const at = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { p50: at(50), p99: at(99), max: s[s.length - 1] };
}

function report(result) {
  const cpu = process.cpuUsage();
  result.cpu_s = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
}

async function cmdAdd(o, queue) {
  await queue.add('echo', PAYLOAD); // loads BullMQ's scripts; not timed
  const lat = [];
  let jobs = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  while (performance.now() < end) {
    await Promise.all(Array.from({ length: o.chunk }, async () => {
      const s = performance.now();
      await queue.add('echo', PAYLOAD);
      lat.push(performance.now() - s);
    }));
    jobs += o.chunk;
  }
  const seconds = (performance.now() - t0) / 1000;
  const p = percentiles(lat);
  report({ jobs, seconds, jobs_per_s: jobs / seconds, p50_ms: p.p50, p99_ms: p.p99, max_ms: p.max });
}

async function cmdAddBulk(o, queue) {
  const batch = Array.from({ length: o.batch }, () => ({ name: 'echo', data: PAYLOAD }));
  await queue.add('echo', PAYLOAD); // loads BullMQ's scripts; not timed
  let jobs = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency || 4 }, async () => {
    while (performance.now() < end) {
      await queue.addBulk(batch);
      jobs += o.batch;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  report({ jobs, seconds, jobs_per_s: jobs / seconds });
}

async function cmdFill(o, queue) {
  const t0 = performance.now();
  let left = o.jobs;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (left > 0) {
      const n = Math.min(o.batch, left);
      left -= n;
      await queue.addBulk(Array.from({ length: n }, () => ({ name: 'echo', data: PAYLOAD })));
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  report({ jobs: o.jobs, seconds, jobs_per_s: o.jobs / seconds });
}

async function cmdProduce(o, queue) {
  await queue.add('echo', { ...PAYLOAD, warmup: true }); // loads scripts; the worker skips it
  const total = Math.round(o.rate * o.seconds);
  const pending = [];
  const t0 = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    const due = t0 + (i * 1000) / o.rate;
    if (now < due) {
      await sleep(Math.max(0, Math.min(due - now, 1)));
      continue;
    }
    for (; i < total && t0 + (i * 1000) / o.rate <= performance.now(); i++) {
      pending.push(queue.add('echo', { ...PAYLOAD, n: i, sent_ms: wallMs() }));
    }
  }
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  report({ jobs: total, seconds, jobs_per_s: total / seconds });
}

async function cmdWork(o) {
  const lat = [];
  let done = 0;
  let failed = 0;
  let first = null;
  let last = null;
  let finish;
  const finished = new Promise((resolve) => { finish = resolve; });
  const worker = new Worker(o.queue, async () => {
    if (first === null) first = wallMs();
  }, { connection: connection(o), concurrency: o.concurrency || 50 });
  worker.on('completed', (job) => {
    if (job.data.warmup) return;
    const t = wallMs();
    last = t;
    if (job.data.sent_ms !== undefined) lat.push(t - job.data.sent_ms);
    if (++done >= o.jobs) finish();
  });
  worker.on('failed', () => { failed++; });
  await worker.waitUntilReady();
  process.stdout.write('READY\n');
  const timer = setTimeout(finish, o.timeoutS * 1000);
  await finished;
  clearTimeout(timer);
  await worker.close();
  const seconds = first === null || last === null ? null : (last - first) / 1000;
  const p = percentiles(lat);
  report({ jobs: done, failed, seconds, jobs_per_s: seconds ? done / seconds : null,
           latency_ms: lat.length ? { p50: p.p50, p99: p.p99, max: p.max, count: lat.length } : null,
           complete: done >= o.jobs });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.command === 'work') return cmdWork(o);
  const commands = { add: cmdAdd, addbulk: cmdAddBulk, fill: cmdFill, produce: cmdProduce };
  if (!(o.command in commands)) throw new Error(`unknown command ${o.command}`);
  const queue = new Queue(o.queue, { connection: connection(o) });
  await queue.waitUntilReady();
  try {
    await commands[o.command](o, queue);
  } finally {
    await queue.close();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
