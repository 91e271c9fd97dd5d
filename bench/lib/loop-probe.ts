/**
 * Preloaded into a benchmarked process (`node --import bench/lib/loop-probe.ts …`): an event-loop
 * delay histogram the bench reads and resets over IPC. Inert without an IPC channel, and the
 * channel does not keep the process alive.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  process.channel?.unref();
  process.on('message', (msg: { id: number; cmd: string }) => {
    if (msg.cmd === 'reset') {
      histogram.reset();
      process.send!({ id: msg.id, result: null });
    } else if (msg.cmd === 'loopDelay') {
      const toMs = (ns: number) => ns / 1e6;
      process.send!({ id: msg.id, result: { p50: toMs(histogram.percentile(50)), p99: toMs(histogram.percentile(99)), max: toMs(histogram.max) } });
    }
  });
}
