// The dashboard in a real browser against a real medfwd and a medfw-sim fleet: sign-in
// with TOTP, the fleet overview, finding a device by UDI, the device page, CSV export,
// site scoping, reload and deep links, tablet width, sign-out. Every page passes axe-core
// with no serious or critical violation, keeps its Content-Security-Policy without a
// single violation, and is saved as a screenshot in artifacts/dashboard/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { assertClean, axe, launchBrowser, newPage, screenshot, signIn, startFleet } from './harness.mjs';

const NAME = 'dashboard';
let fleet;
let browser;

before(async () => {
  fleet = await startFleet(NAME);
  browser = await launchBrowser();
  // a few cycles of check-ins so devices have last-seen times and events
  await fleet.cmd({ cmd: 'sim_run', seconds: 4, health_fail_rate: 0 });
});

after(async () => {
  await browser?.close();
  if (fleet) assert.equal(await fleet.stop(), 0, 'fleet.py (medfwd) ended with an error');
});

async function checkPage(page, shot) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `axe-core found serious or critical violations on ${shot}:\n${JSON.stringify(violations, null, 2)}`);
  await screenshot(page, NAME, shot);
  assertClean(page);
}

test('the app is served with a strict Content-Security-Policy', async () => {
  const page = await newPage(browser);
  const resp = await page.goto(`${fleet.url}/ui/devices/1`);
  assert.equal(resp.status(), 200);
  const h = resp.headers();
  assert.match(h['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|unsafe-eval/);
  assert.equal(h['x-content-type-options'], 'nosniff');
  // no inline script anywhere in the document medfwd sent
  const html = await resp.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await page.context().close();
});

test('sign-in: a wrong password and a wrong code are refused next to the form; TOTP signs in', async () => {
  const page = await newPage(browser);
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await checkPage(page, '01-sign-in');

  await page.getByLabel('Username').fill('biomed');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();

  await page.getByLabel('Password').fill(fleet.users.biomed.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const code = page.getByLabel('Authenticator code');
  await code.waitFor();
  await checkPage(page, '02-sign-in-code');
  await code.fill('000000');
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('alert').filter({ hasText: 'authenticator code' }).waitFor();

  const { code: totp } = await fleet.cmd({ cmd: 'totp', user: 'biomed' });
  await code.fill(totp);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  await page.getByText('clinical engineer').waitFor();
  await page.context().close();
});

test('overview: devices by model and firmware, unsigned images, exposure, rollouts', async () => {
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  const tiles = page.getByRole('region', { name: 'Key figures' });
  const stMarys = fleet.devices.filter((d) => d.site === fleet.sites.st_marys).length;
  await tiles.getByText(String(stMarys), { exact: true }).first().waitFor();
  const notSigned = tiles.locator('a', { hasText: 'not running a signed release' });
  assert.equal(await notSigned.locator('.tile-n').textContent(), String(fleet.not_signed ?? 2));
  // charts are drawn (a canvas with pixels) and labelled for screen readers
  const chart = page.getByRole('img', { name: 'Devices by model and firmware version' });
  await chart.waitFor();
  const drawn = await chart.evaluate((c) => {
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  });
  assert.ok(drawn, 'the chart canvas is empty');
  await checkPage(page, '03-overview');
  // the unsigned tile leads to the filtered device list
  await notSigned.click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.getByText(`${fleet.not_signed ?? 2} devices`, { exact: true }).waitFor();
  await page.context().close();
});

test('devices: find a device by UDI, open it, see identity, history and findings', async () => {
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  const table = page.getByRole('table', { name: 'Devices' });
  await table.waitFor();
  await checkPage(page, '04-devices');

  const target = fleet.devices.find((d) => d.site === fleet.sites.st_marys && d.udi);
  await page.getByLabel('Search').fill(target.udi);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 device', { exact: true }).waitFor();
  assert.equal(await table.locator('tbody tr').count(), 1);
  assert.match(page.url(), /q=/, 'the search is in the address, so it can be bookmarked');
  await table.getByRole('link', { name: target.udi }).click();

  await page.getByRole('heading', { name: new RegExp(target.serial) }).waitFor();
  const identity = page.getByRole('region', { name: 'Identity' });
  await identity.getByText(target.udi).waitFor();
  await identity.getByText("St. Mary's Hospital").waitFor();
  await page.getByRole('region', { name: 'Vulnerability findings' }).waitFor();
  await page.getByRole('region', { name: 'Update history' }).waitFor();
  await checkPage(page, '05-device');

  // a reload keeps the session (the CSRF token comes back from /api/v1/me) and the page
  await page.reload();
  await page.getByRole('heading', { name: new RegExp(target.serial) }).waitFor();
  await page.context().close();
});

test('devices: sorting and CSV export with the same filters', async () => {
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.goto(`${fleet.url}/ui/devices`);
  const table = page.getByRole('table', { name: 'Devices' });
  await table.waitFor();
  await page.getByRole('button', { name: 'Serial' }).click();
  await page.waitForURL(/sort=serial&order=asc|order=asc&sort=serial/);
  await table.locator('tbody tr').first().waitFor();
  const serials = await table.locator('tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(serials, [...serials].sort(), 'sorted by serial, ascending');
  assert.equal(await page.getByRole('columnheader', { name: /Serial/ }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('button', { name: 'Serial' }).click();
  await page.waitForURL(/order=desc/);
  assert.equal(await page.getByRole('columnheader', { name: /Serial/ }).getAttribute('aria-sort'), 'descending');

  await page.getByLabel('Image').selectOption('no');
  await page.getByText(`${fleet.not_signed ?? 2} devices`, { exact: true }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.match(csv[0], /^id,site_id,udi_di,udi_pi,serial,model/);
  assert.equal(csv.length - 1, fleet.not_signed ?? 2, 'the export has the filtered devices only');
  await page.context().close();
});

test('a hospital user sees only their own site; a manufacturer user sees every site', async () => {
  const stMarys = fleet.devices.filter((d) => d.site === fleet.sites.st_marys).length;
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.goto(`${fleet.url}/ui/devices`);
  await page.getByText(`${stMarys} devices`, { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Site').count(), 0, 'no site filter for site staff');
  // another site's device is "not found", not shown
  const other = fleet.devices.find((d) => d.site === fleet.sites.northside);
  await page.goto(`${fleet.url}/ui/devices/${other.id}`);
  await page.getByRole('alert').waitFor();
  await page.context().close();

  const admin = await newPage(browser);
  await signIn(admin, fleet, 'admin');
  await admin.goto(`${fleet.url}/ui/devices`);
  await admin.getByText(`${fleet.devices.length} devices`, { exact: true }).waitFor();
  await admin.getByLabel('Site').selectOption({ label: 'Northside Clinic' });
  const north = fleet.devices.filter((d) => d.site === fleet.sites.northside).length;
  await admin.getByText(`${north} devices`, { exact: true }).waitFor();
  await checkPage(admin, '06-devices-admin');
  await admin.context().close();
});

test('tablet width: overview and devices fit without sideways scrolling of the page', async () => {
  const page = await newPage(browser, { width: 768, height: 1024 });
  await signIn(page, fleet, 'biomed');
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  await page.getByRole('img', { name: 'Devices by model and firmware version' }).waitFor();
  for (const [path, shot] of [
    ['/ui', '07-overview-tablet'],
    ['/ui/devices', '08-devices-tablet'],
  ]) {
    await page.goto(`${fleet.url}${path}`);
    await page.locator('main h1').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} is ${overflow} px wider than a tablet`);
    await checkPage(page, shot);
  }
  await page.context().close();
});

test('keyboard: skip link, then the navigation, reach the page without a mouse', async () => {
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Devices');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.context().close();
});

test('sign-out ends the session: the API refuses it and the app asks to sign in', async () => {
  const page = await newPage(browser);
  await signIn(page, fleet, 'biomed');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await page.getByText('You signed out.').waitFor();
  const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  assert.equal(status, 401);
  await page.goto(`${fleet.url}/ui/devices`);
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await page.context().close();
});
