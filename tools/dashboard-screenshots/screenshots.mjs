// Takes the README's screenshots of a running Aspire dashboard: the resources, one trace from the
// Producer into the StreamProcessor, and a pipeline metric. Debian's Chromium, driven by
// puppeteer-core (a plain `chromium --screenshot` renders the Blazor dashboard blank).
// Usage: node screenshots.mjs <dashboard-url> <api-key> <output-folder>
import puppeteer from 'puppeteer-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const [dashboard, apiKey, outputFolder] = process.argv.slice(2);
if (!dashboard || !apiKey || !outputFolder) {
  console.error('usage: node screenshots.mjs <dashboard-url> <api-key> <output-folder>');
  process.exit(2);
}
await mkdir(outputFolder, { recursive: true });

// A trace with spans from both services, found through the dashboard's telemetry API.
async function traceAcrossServices() {
  const response = await fetch(new URL('/api/telemetry/spans?limit=2000', dashboard), { headers: { 'x-api-key': apiKey } });
  const body = await response.json();
  const services = new Map();
  for (const resourceSpans of body.data.resourceSpans) {
    const service = resourceSpans.resource.attributes.find(a => a.key === 'service.name').value.stringValue;
    for (const scope of resourceSpans.scopeSpans) {
      for (const span of scope.spans) {
        if (!services.has(span.traceId)) services.set(span.traceId, new Set());
        services.get(span.traceId).add(service);
      }
    }
  }
  for (const [traceId, names] of services) {
    if (names.has('producer') && names.has('stream-processor')) return traceId;
  }
  throw new Error('no trace with spans of both the producer and the stream-processor yet');
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // Without the background-networking flags Chromium keeps dialling out, which this machine refuses.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  defaultViewport: { width: 1600, height: 900 },
});

async function shoot(relativeUrl, file, waitForText) {
  const page = await browser.newPage();
  await page.goto(new URL(relativeUrl, dashboard).toString(), { waitUntil: 'networkidle2', timeout: 60000 });
  await page.waitForFunction(text => document.body.innerText.includes(text), { timeout: 60000 }, waitForText);
  // Charts and grids finish drawing after their data arrives.
  await new Promise(resolve => setTimeout(resolve, 3000));
  await page.screenshot({ path: path.join(outputFolder, file) });
  await page.close();
  console.log(`wrote ${path.join(outputFolder, file)}`);
}

try {
  await shoot('/', 'dashboard-resources.png', 'stream-processor');
  const traceId = await traceAcrossServices();
  await shoot(`/traces/detail/${traceId}`, 'dashboard-trace.png', 'Trace detail');
  await shoot('/metrics/resource/stream-processor?meter=Pipeline.StreamProcessor&instrument=pipeline.parquet.rows&duration=5',
    'dashboard-metric.png', 'pipeline.parquet.rows');
} finally {
  await browser.close();
}
