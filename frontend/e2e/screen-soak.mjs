// Big-screen soak, a benchmark (not run in CI): the screen open for SOAK_MINUTES (default 30) while
// gifts arrive at SOAK_RATE a second (default 10, the stream's most: one frame per 100 ms tick);
// the page's JavaScript heap (after a forced garbage collection) and DOM node count read through the
// Chrome DevTools Protocol at the start, every minute, and at the end.
//   E2E_PG_PORT=5433 E2E_REDIS_PORT=6380 SOAK_MINUTES=30 npm run soak
process.env.E2E_DATABASE ??= 'lbt_soak';
const { Service, resetStores } = await import('./support/service.mjs');
const { BIG_SCREEN, launch } = await import('./support/browser.mjs');

const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const rate = Number(process.env.SOAK_RATE ?? 10);
const fundraisers = Array.from({ length: 20 }, (_, i) => `runner-${i + 1}`);

resetStores();
const service = await Service.create();
await service.start();
const browser = await launch();
try {
  await service.campaign('soak', { title: 'Soak', goalMinor: 1_000_000_000_00 });
  for (const [i, id] of fundraisers.entries()) {
    await service.fundraiser('soak', id, { displayName: `Runner ${i + 1}` });
  }
  const context = await browser.newContext({ viewport: BIG_SCREEN });
  const page = await context.newPage();
  await page.goto(`${service.base}/c/soak/screen`);
  await page.locator('.status-live').waitFor();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');

  async function measure() {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name) => metrics.find((m) => m.name === name)?.value ?? NaN;
    return { heapMB: metric('JSHeapUsedSize') / 2 ** 20, nodes: metric('Nodes'), listeners: metric('JSEventListeners') };
  }

  let sent = 0;
  let failed = 0;
  const interval = 1000 / rate;
  const started = Date.now();
  const end = started + minutes * 60_000;
  const samples = [{ minute: 0, ...(await measure()) }];
  console.log(`minute 0: heap ${samples[0].heapMB.toFixed(2)} MB, ${samples[0].nodes} DOM nodes`);
  let nextSample = started + 60_000;
  while (Date.now() < end) {
    const due = started + sent * interval;
    if (due > Date.now()) {
      await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    const id = fundraisers[Math.floor(Math.random() * fundraisers.length)];
    try {
      await service.donate('soak', `soak-${started}-${sent}`, 100 + Math.floor(Math.random() * 5000), {
        fundraiserId: id, donorName: `Donor ${sent}`, message: sent % 3 ? 'Allez !' : undefined,
      });
    } catch {
      failed++;
    }
    sent++;
    if (Date.now() >= nextSample) {
      const sample = { minute: Math.round((Date.now() - started) / 60_000), ...(await measure()) };
      samples.push(sample);
      console.log(`minute ${sample.minute}: heap ${sample.heapMB.toFixed(2)} MB, ${sample.nodes} DOM nodes, ${sent} gifts sent`);
      nextSample += 60_000;
    }
  }
  const last = { minute: minutes, ...(await measure()) };
  samples.push(last);
  const shown = await page.getByTestId('total').textContent();
  console.log(JSON.stringify({ minutes, rate, sent, failed, shownTotal: shown, start: samples[0], end: last,
    maxHeapMB: Math.max(...samples.map((s) => s.heapMB)) }, null, 2));
} finally {
  await browser.close();
  await service.stop();
}
