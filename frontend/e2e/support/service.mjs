// The service under test: the real jar on real PostgreSQL and Redis, each run on a fresh database
// and a flushed Redis index, on HTTP ports free at run time.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, '../..');
export const targetDir = resolve(frontendDir, 'target');

export const config = {
  jar: process.env.SERVICE_JAR ?? resolve(frontendDir, '../service/target/leaderboard-service.jar'),
  pgHost: process.env.E2E_PG_HOST ?? '127.0.0.1',
  pgPort: process.env.E2E_PG_PORT ?? '5432',
  redisHost: process.env.E2E_REDIS_HOST ?? '127.0.0.1',
  redisPort: process.env.E2E_REDIS_PORT ?? '6379',
  database: process.env.E2E_DATABASE ?? 'lbt_e2e',
  redisDatabase: process.env.E2E_REDIS_DATABASE ?? '1',
  chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
  organizerToken: 'e2e-organizer-token',
  ingestToken: 'e2e-ingest-token',
};

/** A fresh database and an empty Redis index for this run (the other test classes use theirs). */
export function resetStores() {
  execFileSync('psql', ['-h', config.pgHost, '-p', config.pgPort, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
    '-qc', `DROP DATABASE IF EXISTS ${config.database} WITH (FORCE)`], { stdio: 'inherit' });
  execFileSync('psql', ['-h', config.pgHost, '-p', config.pgPort, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
    '-qc', `CREATE DATABASE ${config.database}`], { stdio: 'inherit' });
  execFileSync('redis-cli', ['-h', config.redisHost, '-p', config.redisPort, '-n', config.redisDatabase, 'FLUSHDB'], { stdio: 'ignore' });
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Service {
  constructor(port, managementPort) {
    this.port = port;
    this.managementPort = managementPort;
    this.base = `http://127.0.0.1:${port}`;
    this.process = null;
    this.starts = 0;
  }

  static async create() {
    return new Service(await freePort(), await freePort());
  }

  async start() {
    mkdirSync(targetDir, { recursive: true });
    // a copy under its own name: a rebuild of the service jar, or a `pkill -f leaderboard-service`
    // meant for another checkout's service, leaves this run's service alone
    const jar = resolve(targetDir, 'e2e-service.jar');
    if (this.starts === 0) {
      copyFileSync(config.jar, jar);
    }
    const log = createWriteStream(resolve(targetDir, `e2e-service-${++this.starts}.log`));
    const child = spawn('java', ['-Xmx512m', '-XX:TieredStopAtLevel=1', '-jar', jar], {
      env: {
        ...process.env,
        SERVER_PORT: String(this.port),
        MANAGEMENT_SERVER_PORT: String(this.managementPort),
        SPRING_R2DBC_URL: `r2dbc:postgresql://${config.pgHost}:${config.pgPort}/${config.database}`,
        SPRING_R2DBC_USERNAME: 'postgres',
        SPRING_DATA_REDIS_HOST: config.redisHost,
        SPRING_DATA_REDIS_PORT: config.redisPort,
        SPRING_DATA_REDIS_DATABASE: config.redisDatabase,
        LEADERBOARD_ORGANIZER_TOKEN: config.organizerToken,
        LEADERBOARD_INGEST_TOKEN: config.ingestToken,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.process = child;
    const exited = new Promise((r) => child.once('exit', r));
    this.exited = exited;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`The service exited with ${child.exitCode}; see ${log.path}`);
      }
      try {
        const response = await fetch(`${this.base}/api/campaigns/e2e-ready-probe`);
        if (response.status === 404) {
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`The service did not start within 120 s; see ${log.path}`);
  }

  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    const timeout = sleep(20_000).then(() => 'timeout');
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  async request(method, path, token, body) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }

  campaign(id, body) {
    return this.request('PUT', `/api/campaigns/${id}`, config.organizerToken, { currency: 'EUR', goalMinor: 100000, ...body });
  }

  team(campaignId, id, name) {
    return this.request('PUT', `/api/campaigns/${campaignId}/teams/${id}`, config.organizerToken, { name });
  }

  fundraiser(campaignId, id, body) {
    return this.request('PUT', `/api/campaigns/${campaignId}/fundraisers/${id}`, config.organizerToken, body);
  }

  /** An organizer PUT of anything the console defines: milestones, pledges, matches. */
  define(campaignId, kind, id, body) {
    return this.request('PUT', `/api/campaigns/${campaignId}/${kind}/${id}`, config.organizerToken, body);
  }

  read(path) {
    return this.request('GET', path);
  }

  event(event) {
    return this.request('POST', '/api/events', config.ingestToken, event);
  }

  donate(campaignId, eventId, amountMinor, more = {}) {
    return this.event({ type: 'donation', eventId, campaignId, amountMinor, currency: 'EUR', ...more });
  }
}
