// What every browser test needs: a real medfwd with a medfw-sim fleet behind it (fleet.py,
// driven over its stdin/stdout), Debian's chromium through playwright-core, an axe-core
// check and a screenshot per page, and a page that fails the test on any console error,
// uncaught exception or Content-Security-Policy violation.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const artifactsDir = resolve(process.env.MEDFW_BROWSER_ARTIFACTS ?? join(here, 'artifacts'));
export const buildDir = resolve(process.env.MEDFW_BUILD_DIR ?? join(repoRoot, 'build/release'));
const webDir = resolve(process.env.MEDFW_WEB_DIR ?? join(repoRoot, 'build/web'));
const chromiumPath = process.env.MEDFW_CHROMIUM ?? '/usr/bin/chromium';

/** Bounds: nothing here waits without a limit. */
const READY_SECONDS = 180;
const COMMAND_SECONDS = 120;

function withTimeout(promise, seconds, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no answer within ${seconds} s`)), seconds * 1000);
    }),
  ]).finally(() => clearTimeout(t));
}

/**
 * Starts tests/browser/fleet.py: medfwd serving build/web plus the fleet. Resolves with
 * { url, users, sites, releases, devices, findings, cmd(obj), stop() }.
 */
export async function startFleet(name) {
  // the artifacts of the last run of this test file are replaced
  rmSync(join(artifactsDir, name), { recursive: true, force: true });
  const workdir = join(artifactsDir, name, 'fleet');
  mkdirSync(workdir, { recursive: true });
  const proc = spawn('/usr/bin/python3', [join(here, 'fleet.py'), '--web-dir', webDir, '--workdir', workdir], {
    env: { ...process.env, MEDFW_BUILD_DIR: buildDir, TZ: 'UTC', LC_ALL: 'C' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const waiting = [];
  const queued = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queued.push(line);
  });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const nextLine = () =>
    new Promise((res, reject) => {
      if (queued.length) return res(queued.shift());
      waiting.push(res);
      exited.then(({ code, signal }) => reject(new Error(`fleet.py ended (code ${code}, signal ${signal})`)));
    });

  const ready = JSON.parse(await withTimeout(nextLine(), READY_SECONDS, 'fleet.py start'));
  if (!ready.ready) throw new Error(`fleet.py could not set up the fleet: ${ready.error}`);

  let chain = Promise.resolve();
  const cmd = (obj) => {
    const run = chain.then(async () => {
      proc.stdin.write(`${JSON.stringify(obj)}\n`);
      const answer = JSON.parse(await withTimeout(nextLine(), COMMAND_SECONDS, `fleet command ${obj.cmd}`));
      if (!answer.ok) throw new Error(`fleet command ${obj.cmd} failed: ${answer.error}`);
      return answer;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  const stop = async () => {
    if (proc.exitCode !== null) return proc.exitCode;
    proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    const { code } = await withTimeout(exited, 60, 'fleet.py stop').catch((e) => {
      proc.kill('SIGKILL');
      throw e;
    });
    return code;
  };
  return { ...ready, workdir, cmd, stop };
}

/** Debian's chromium, headless; --no-sandbox only when the tests run as root. */
export async function launchBrowser() {
  const args = [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: chromiumPath, headless: true, args, timeout: 60_000 });
}

/**
 * A new browser context: its own cookies, so its own medfwd session once signed in.
 * Pages of one context share the session (sign in once per person: medfwd limits
 * sign-ins per address, and a TOTP code works once).
 */
export async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * A new page in the context (a new context when none is given) at the given viewport.
 * Records console errors, page errors and CSP violations in page.problems;
 * assertClean(page) fails on any.
 */
export async function newPage(browserOrContext, { width = 1280, height = 800 } = {}) {
  const context = typeof browserOrContext.newPage === 'function' && typeof browserOrContext.newContext !== 'function' ? browserOrContext : await newContext(browserOrContext);
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // chromium logs every 4xx answer of the API (401 before sign-in, a refused action)
    // as a failed load; the app shows those to the user and the tests check what it
    // shows. Any other failed load (a script, a style) is a problem.
    if (/^Failed to load resource/.test(text) && /\/api\/v1\//.test(m.location()?.url ?? '')) return;
    page.problems.push(`console error: ${text} (${m.location()?.url ?? ''})`);
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  return page;
}

export function assertClean(page) {
  if (page.problems.length) throw new Error(`the page reported problems:\n${page.problems.join('\n')}`);
}

const axeSource = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is now: WCAG 2.1 A/AA and best practices. Returns the
 * violations that are serious or critical (the bar); the caller asserts none.
 */
export async function axe(page) {
  // evaluated through the DevTools protocol, not as an inline script: the page's CSP
  // (script-src 'self') stays in force for the page itself
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A full-page screenshot under artifacts/NAME/, kept as a test artifact. */
export async function screenshot(page, testName, shot) {
  const dir = join(artifactsDir, testName);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${shot}.png`), fullPage: true });
}

/** Signs in through the sign-in page, with the authenticator code when the user has one. */
export async function signIn(page, fleet, username) {
  const user = fleet.users[username];
  await page.goto(`${fleet.url}/ui`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (user.totp_secret) {
    const code = await page.getByLabel('Authenticator code');
    await code.waitFor();
    const { code: totp } = await fleet.cmd({ cmd: 'totp', user: username });
    await code.fill(totp);
    await page.getByRole('button', { name: 'Verify code' }).click();
  }
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, for a user the test enrols itself. */
export function totpCode(base32, at = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/[=\s]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
