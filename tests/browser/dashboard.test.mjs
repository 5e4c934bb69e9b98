// The dashboard in a real browser against a real medfwd and a medfw-sim fleet: sign-in
// with TOTP, the fleet overview, finding a device by UDI, the device page, CSV export,
// site scoping, reload and deep links, releases, a rollout refused until a second person
// approves it that pauses itself on a bad canary, a finding marked not affected,
// administration, tablet width, keyboard use, sign-out. Every page passes axe-core
// with no serious or critical violation, keeps its Content-Security-Policy without a
// single violation, and is saved as a screenshot in artifacts/dashboard/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { artifactsDir, assertClean, axe, buildDir, launchBrowser, newContext, newPage, screenshot, signIn, startFleet, totpCode } from './harness.mjs';

const NAME = 'dashboard';
let fleet;
let browser;
// one signed-in browser context per person, reused by the tests: medfwd limits sign-ins
// per address and a TOTP code works once
const sessions = {};

async function pageAs(user, viewport) {
  if (!sessions[user]) {
    sessions[user] = await newContext(browser);
    const page = await newPage(sessions[user]);
    await signIn(page, fleet, user);
    await page.close();
  }
  return newPage(sessions[user], viewport);
}

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

/** Devices of St. Mary's (biomed's site) whose image is not a signed release. */
function notSigned() {
  return fleet.devices.filter((d) => d.site === fleet.sites.st_marys && !d.image_signed).length;
}

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
  await page.locator('.who').getByText(/clinical engineer/).waitFor();
  sessions.biomed = page.context();
  await page.close();
});

test('overview: devices by model and firmware, unsigned images, exposure, rollouts', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  const tiles = page.getByRole('region', { name: 'Key figures' });
  const stMarys = fleet.devices.filter((d) => d.site === fleet.sites.st_marys).length;
  await tiles.getByText(String(stMarys), { exact: true }).first().waitFor();
  const notSignedTile = tiles.locator('a', { hasText: 'not running a signed release' });
  assert.equal(await notSignedTile.locator('.tile-n').textContent(), String(notSigned()));
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
  await notSignedTile.click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.getByText(`${notSigned()} devices`, { exact: true }).waitFor();
  await page.close();
});

test('devices: find a device by UDI, open it, see identity, history and findings', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
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
  await table.getByRole('link', { name: target.serial, exact: true }).click();

  await page.getByRole('heading', { name: new RegExp(target.serial) }).waitFor();
  const identity = page.getByRole('region', { name: 'Identity' });
  await identity.getByText(`DI ${target.udi_di}`, { exact: false }).waitFor();
  await identity.getByText("St. Mary's Hospital").waitFor();
  await page.getByRole('region', { name: 'Vulnerability findings' }).waitFor();
  await page.getByRole('region', { name: 'Update history' }).waitFor();
  await checkPage(page, '05-device');

  // a reload keeps the session (the CSRF token comes back from /api/v1/me) and the page
  await page.reload();
  await page.getByRole('heading', { name: new RegExp(target.serial) }).waitFor();
  await page.close();
});

test('devices: sorting and CSV export with the same filters', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui/devices`);
  const table = page.getByRole('table', { name: 'Devices' });
  await table.waitFor();
  await page.getByRole('button', { name: 'Serial' }).click();
  await page.waitForURL(/sort=serial&order=asc|order=asc&sort=serial/);
  await table.locator('tbody tr').first().waitFor();
  const serials = await table.locator('tbody tr td:nth-child(1)').allTextContents();
  assert.deepEqual(serials, [...serials].sort(), 'sorted by serial, ascending');
  assert.equal(await page.getByRole('columnheader', { name: /Serial/ }).getAttribute('aria-sort'), 'ascending');
  await page.getByRole('button', { name: 'Serial' }).click();
  await page.waitForURL(/order=desc/);
  assert.equal(await page.getByRole('columnheader', { name: /Serial/ }).getAttribute('aria-sort'), 'descending');

  await page.getByLabel('Image').selectOption('no');
  await page.getByText(`${notSigned()} devices`, { exact: true }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.match(csv[0], /^id,site_id,udi_di,udi_pi,serial,model/);
  assert.equal(csv.length - 1, notSigned(), 'the export has the filtered devices only');
  await page.close();
});

test('a hospital user sees only their own site; a manufacturer user sees every site', async () => {
  const stMarys = fleet.devices.filter((d) => d.site === fleet.sites.st_marys).length;
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui/devices`);
  await page.getByText(`${stMarys} devices`, { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Site').count(), 0, 'no site filter for site staff');
  // another site's device is "not found", not shown
  const other = fleet.devices.find((d) => d.site === fleet.sites.northside);
  await page.goto(`${fleet.url}/ui/devices/${other.id}`);
  await page.getByRole('alert').waitFor();
  await page.close();

  const admin = await pageAs('admin');
  await admin.goto(`${fleet.url}/ui/devices`);
  await admin.getByText(`${fleet.devices.length} devices`, { exact: true }).waitFor();
  await admin.getByLabel('Site').selectOption({ label: 'Northside Clinic' });
  const north = fleet.devices.filter((d) => d.site === fleet.sites.northside).length;
  await admin.getByText(`${north} devices`, { exact: true }).waitFor();
  await checkPage(admin, '06-devices-admin');
  await admin.close();
});

test('releases: notices, signatures against thresholds, SBOM and findings', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Releases' }).click();
  const table = page.getByRole('table', { name: 'Releases' });
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), 3);
  // newest first; 2 of 2 targets signatures on every release
  const first = table.locator('tbody tr').first();
  assert.match(await first.textContent(), /4\.2\.1/);
  assert.equal(await table.getByText('2 of 2').count(), 3);
  await checkPage(page, '09-releases');

  await table.getByRole('link', { name: fleet.releases.old }).click();
  await page.getByRole('heading', { name: 'Release 4.1.1' }).waitFor();
  const notice = page.getByRole('region', { name: 'Release notice' });
  await notice.getByText('Clinical impact').waitFor();
  await page.getByRole('table', { name: 'Metadata signatures' }).getByRole('rowheader', { name: 'root' }).waitFor();
  const findings = page.getByRole('region', { name: 'Findings' }).getByRole('table', { name: 'Findings' });
  await findings.getByText(fleet.findings.critical.vulnerability).waitFor();
  await findings.getByText(fleet.findings.undetermined.vulnerability).waitFor();
  await checkPage(page, '10-release');
  await page.close();
});

test('vulnerabilities: exposure with SLA due dates, KEV, the review queue', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui/vulnerabilities`);
  await page.getByRole('heading', { name: 'Vulnerabilities' }).waitFor();
  const exposures = page.getByRole('table', { name: "Open exposures at St. Mary's Hospital" });
  await exposures.waitFor();
  await exposures.getByText(fleet.findings.critical.vulnerability).waitFor();
  // the KEV finding is past its KEV due date: overdue
  const kevRow = exposures.locator('tr', { hasText: fleet.findings.kev.vulnerability });
  await kevRow.getByText('overdue').waitFor();
  await kevRow.getByText('KEV').waitFor();
  await checkPage(page, '11-vulnerabilities');
  // hospital staff see the queue and the evidence, but decide nothing (manufacturer's VEX)
  await page.getByRole('link', { name: 'Review queue' }).click();
  const item = page.getByRole('article').filter({ hasText: fleet.findings.undetermined.vulnerability }).filter({ hasText: fleet.findings.undetermined.release });
  await item.waitFor();
  await item.getByText(/Evidence/).click();
  await item.getByText('undetermined').first().waitFor();
  assert.equal(await item.getByRole('button', { name: 'Decide…' }).count(), 0);
  await checkPage(page, '12-review-queue-site');
  await page.close();
});

test('vulnerabilities: a security decision marks a finding not affected with a justification', async () => {
  const page = await pageAs('admin');
  await page.goto(`${fleet.url}/ui/vulnerabilities?tab=review`);
  const vuln = fleet.findings.undetermined.vulnerability;
  const release = fleet.findings.undetermined.release;
  const item = page.getByRole('article').filter({ hasText: vuln }).filter({ hasText: release });
  await item.getByRole('button', { name: 'Decide…' }).click();
  await item.getByLabel('Status').selectOption('not_affected');
  // a not-affected statement without justification or detail is refused by medfwd, and
  // the reason is shown next to the form
  await item.getByRole('button', { name: 'Save the VEX statement' }).click();
  await item.getByRole('alert').waitFor();
  await checkPage(page, '13-review-decide');
  await item.getByLabel('Justification').selectOption('requires_environment');
  await item.getByLabel('Detail').fill('The pump runs Linux; the vulnerable Dante code path exists on Windows only.');
  await item.getByRole('button', { name: 'Save the VEX statement' }).click();
  // after the background re-evaluation the finding leaves the queue
  await page.getByRole('article').filter({ hasText: vuln }).filter({ hasText: release }).waitFor({ state: 'detached', timeout: 60_000 });
  await page.getByRole('link', { name: 'VEX statements' }).click();
  const statements = page.getByRole('table', { name: 'VEX statements' });
  await statements.getByText('requires environment').waitFor();
  await checkPage(page, '14-vex-statements');
  // every finding, filtered to the decided one
  await page.getByRole('link', { name: 'All findings' }).click();
  await page.getByLabel('Status').selectOption('not_affected');
  const all = page.getByRole('table', { name: 'Findings' });
  await all.getByText(vuln).first().waitFor();
  assert.ok((await all.locator('tbody tr').allTextContents()).every((t) => t.includes('not affected')));
  await checkPage(page, '14b-all-findings');
  // the server agrees: the finding is not_affected with that justification
  const r = await fleet.cmd({ cmd: 'api', user: 'admin', method: 'GET', path: `/api/v1/vulnerabilities/findings/${fleet.findings.undetermined.id}` });
  assert.equal(r.status, 200);
  const f = r.body.finding ?? r.body;
  assert.equal(f.status, 'not_affected');
  assert.equal(f.vex?.justification, 'requires_environment');
  await page.close();
});

test('vulnerabilities: a customer advisory exported as CSAF 2.0 from the findings medfwd keeps', async () => {
  const page = await pageAs('admin');
  await page.goto(`${fleet.url}/ui/vulnerabilities?tab=advisory`);
  await page.getByRole('heading', { name: 'Customer advisory' }).waitFor();
  await page.getByLabel('Manufacturer', { exact: true }).fill('Acme Medical');
  await page.getByLabel("Manufacturer's web address").fill('https://psirt.acme-medical.example');
  await page.getByLabel('Advisory id').fill('ACME-SA-2026-007');
  await page.getByLabel('Title', { exact: true }).fill('InfuPump 3: backdoored XZ Utils in firmware 4.1.1');
  await page.getByLabel('Summary for hospital staff (plain words)').fill('Firmware 4.1.1 contains a backdoored compression library. Update to 4.2.1.');
  await page.getByLabel('Model').selectOption('InfuPump 3');
  const rels = page.getByRole('group', { name: 'Releases (oldest first)' });
  await rels.getByLabel(/4\.1\.1 \(/).check();
  await rels.getByLabel(/4\.2\.1 \(/).check();
  const cve = fleet.findings.critical.vulnerability;
  await page.getByLabel(cve, { exact: true }).check();
  await page.getByLabel(`Title of ${cve}`).fill('XZ Utils: malicious code in liblzma');
  await page.getByLabel(`Impact of ${cve}`).fill('An attacker could take control of the service shell over the network.');
  await page.getByLabel(`Description of ${cve}`).fill('liblzma 5.6.0 contains a backdoor.');
  await checkPage(page, '18b-advisory');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export the advisory' }).click()]);
  assert.equal(download.suggestedFilename(), 'acme-sa-2026-007.json');
  const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(doc.document.tracking.id, 'ACME-SA-2026-007');
  const v = doc.vulnerabilities.find((x) => x.cve === cve);
  assert.ok(v, 'the CVE is in the advisory');
  assert.ok((v.product_status.known_affected ?? []).some((p) => p.endsWith(':4.1.1')), JSON.stringify(v.product_status));
  assert.ok((v.product_status.fixed ?? []).some((p) => p.endsWith(':4.2.1')), JSON.stringify(v.product_status));
  await page.getByText('acme-sa-2026-007.json').waitFor();
  // a hospital's security officer has no advisory export
  const secoff = await pageAs('secoff');
  await secoff.goto(`${fleet.url}/ui/vulnerabilities`);
  await secoff.getByRole('navigation', { name: 'Vulnerability views' }).waitFor();
  assert.equal(await secoff.getByRole('link', { name: 'Advisory export' }).count(), 0);
  await secoff.close();
  await page.close();
});

test('rollouts: made by one person, refused until a second approves, pauses itself on a bad canary', async () => {
  const page = await pageAs('biomed');
  await page.goto(`${fleet.url}/ui/rollouts`);
  await page.getByRole('heading', { name: 'Rollouts' }).waitFor();
  await page.getByText('No rollout yet.').waitFor();
  await page.getByRole('link', { name: 'New rollout' }).click();
  await page.getByRole('heading', { name: 'New rollout' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('InfuPump 4.2.0, ICU');
  await page.getByLabel('Signed release').selectOption(fleet.releases.bad);
  await page.getByRole('group', { name: /Firmware versions/ }).getByLabel('4.1.1').check();
  await page.getByLabel('Departments (comma-separated; empty: any)').fill('ICU');
  // the preview: which devices fall in which wave, and the site's next window
  await page.getByRole('button', { name: 'Preview the waves' }).click();
  const preview = page.getByRole('region', { name: 'Preview' });
  await preview.getByText('Wave 1, canary: 3 devices').waitFor();
  await preview.getByText('Wave 2, early: 7 devices').waitFor();
  await preview.getByText('Wave 3, all: 10 devices').waitFor();
  await preview.getByText(/next window/).first().waitFor();
  const canarySerials = (await preview.getByRole('table', { name: 'Devices of wave 1' }).locator('tbody tr td:first-child').allTextContents()).sort();
  assert.equal(canarySerials.length, 3);
  await checkPage(page, '15-rollout-new');
  await page.getByRole('button', { name: 'Create rollout' }).click();
  await page.getByRole('heading', { name: 'InfuPump 4.2.0, ICU' }).waitFor();
  await page.getByText('awaiting approval').first().waitFor();
  // the author's own approval is refused by medfwd, and the page says why
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('alert').filter({ hasText: /Approve refused/ }).waitFor();
  assert.match(await page.getByRole('alert').filter({ hasText: /Approve refused/ }).textContent(), /own|two|another|second/i);
  await checkPage(page, '16-rollout-awaiting-approval');
  const id = page.url().split('/').pop();

  // a second person (the security officer of the same hospital) approves it
  const approver = await pageAs('secoff');
  await approver.goto(`${fleet.url}/ui/rollouts/${id}`);
  await approver.getByRole('button', { name: 'Approve' }).click();
  await approver.getByText(/^running$/).first().waitFor();
  await approver.close();
  // the canary is the one the preview showed
  let members = [];
  for (let i = 0; i < 30 && members.length < 3; i++) {
    const r = await fleet.cmd({ cmd: 'api', user: 'biomed', method: 'GET', path: `/api/v1/rollouts/${id}/devices?wave=1` });
    members = r.body.devices ?? [];
    if (members.length < 3) await new Promise((res) => setTimeout(res, 500));
  }
  const bySerial = new Map(fleet.devices.map((d) => [d.id, d.serial]));
  assert.deepEqual(members.map((m) => m.serial ?? bySerial.get(m.device_id ?? m.id)).sort(), canarySerials);

  // every canary install fails its health check: the rollout pauses itself and says why
  await fleet.cmd({ cmd: 'sim_start', health_fail_rate: 1 });
  try {
    await page.getByText(/running/).first().waitFor();
    const why = page.getByText(/Why it paused:/);
    await why.waitFor({ timeout: 90_000 });
    assert.match(await why.textContent(), /paused automatically: wave 1 \(canary\)/);
    const chart = page.getByRole('img', { name: 'Devices per wave by state' });
    await chart.waitFor();
    const waves = page.getByRole('table', { name: 'Waves' });
    const canary = waves.getByRole('row', { name: /1\. canary/ });
    assert.ok(Number(await canary.locator('td').nth(2).textContent()) >= 1, 'failed or rolled back devices in the canary');
    // nothing outside the canary was touched
    const early = waves.getByRole('row', { name: /2\. early/ });
    assert.equal(await early.locator('td').nth(1).textContent(), '0');
    await checkPage(page, '17-rollout-paused');
  } finally {
    await fleet.cmd({ cmd: 'sim_stop' });
  }
  // cancel it: the devices keep what they have, nothing more is installed
  await page.getByRole('button', { name: 'Cancel rollout' }).click();
  await page.getByText(/^cancelled$/).first().waitFor();
  await page.goto(`${fleet.url}/ui/rollouts`);
  const row = page.getByRole('table', { name: 'Rollouts' }).getByRole('row', { name: /InfuPump 4\.2\.0, ICU/ });
  await row.getByText('cancelled', { exact: true }).waitFor();
  await checkPage(page, '18-rollouts');
  await page.close();
});

test('administration: people, API tokens, sites, maintenance windows', async () => {
  const page = await pageAs('admin');
  await page.goto(`${fleet.url}/ui/admin`);
  const users = page.getByRole('table', { name: 'Users' });
  await users.getByRole('cell', { name: 'biomed', exact: true }).waitFor();
  await checkPage(page, '19-admin-users');
  // a weak password is refused by medfwd, next to the form, naming the field
  await page.getByLabel('Username').fill('nurse.lead');
  await page.getByLabel('Initial password').fill('short');
  await page.getByLabel('Role', { exact: true }).selectOption('clinical_engineer');
  await page.getByLabel('Site', { exact: true }).selectOption({ label: "St. Mary's Hospital" });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'The person was not added' });
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /password/);
  await page.getByLabel('Initial password').fill('a long and unusual passphrase 2026');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await users.getByRole('cell', { name: 'nurse.lead', exact: true }).first().waitFor();
  // change the new person's role, then disable them
  await page.getByLabel('Role of nurse.lead').selectOption('security_officer');
  await users.getByRole('row', { name: /nurse\.lead/ }).getByRole('combobox').and(page.getByLabel('Role of nurse.lead')).waitFor();
  await page.getByRole('button', { name: 'Disable nurse.lead' }).click();
  await users.getByRole('row', { name: /nurse\.lead/ }).getByText('disabled', { exact: true }).waitFor();
  const nurse = (await fleet.cmd({ cmd: 'api', user: 'admin', method: 'GET', path: '/api/v1/users' })).body.users.find((u) => u.username === 'nurse.lead');
  assert.equal(nurse.role, 'security_officer');
  assert.equal(nurse.disabled, true);
  // nobody changes their own role: the admin's own row has no role control
  assert.equal(await page.getByLabel('Role of admin').count(), 0);

  // a new person whose role needs a second factor enrols it at the first sign-in
  await page.getByLabel('Username').fill('tech.amy');
  await page.getByLabel('Initial password').fill('another long passphrase for amy');
  await page.getByLabel('Role', { exact: true }).selectOption('clinical_engineer');
  await page.getByLabel('Site', { exact: true }).selectOption({ label: "St. Mary's Hospital" });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await users.getByRole('cell', { name: 'tech.amy', exact: true }).first().waitFor();
  const amy = await newPage(browser);
  await amy.goto(`${fleet.url}/ui`);
  await amy.getByLabel('Username').fill('tech.amy');
  await amy.getByLabel('Password').fill('another long passphrase for amy');
  await amy.getByRole('button', { name: 'Sign in' }).click();
  await amy.getByRole('heading', { name: 'Set up your authenticator' }).waitFor();
  // a reload here loses the page's CSRF token: it asks to sign in again, then enrols
  await amy.reload();
  await amy.getByText('Sign in again to finish setting up your authenticator.').waitFor();
  await amy.getByLabel('Username').fill('tech.amy');
  await amy.getByLabel('Password').fill('another long passphrase for amy');
  await amy.getByRole('button', { name: 'Sign in' }).click();
  await amy.getByRole('heading', { name: 'Set up your authenticator' }).waitFor();
  await amy.getByRole('button', { name: 'Show my secret' }).click();
  const secret = (await amy.locator('code.secret').textContent()).replace(/\s+/g, '');
  await checkPage(amy, '19b-totp-enrolment');
  await amy.getByLabel('First code from the app').fill(totpCode(secret));
  await amy.getByRole('button', { name: 'Confirm' }).click();
  await amy.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  await amy.context().close();

  await page.getByRole('link', { name: 'Sites' }).click();
  await page.getByRole('table', { name: 'Sites' }).getByText('Northside Clinic').waitFor();
  await checkPage(page, '19c-admin-sites');

  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.getByLabel('Name').fill('inventory export');
  await page.getByRole('button', { name: 'Make a token' }).click();
  const token = page.getByLabel('The new API token');
  await token.waitFor();
  assert.match(await token.textContent(), /^mft_/);
  const tokens = page.getByRole('table', { name: 'API tokens' });
  await tokens.getByRole('cell', { name: 'inventory export', exact: true }).waitFor();
  await checkPage(page, '20-admin-token');
  await page.getByRole('button', { name: 'Revoke the token inventory export' }).click();
  await tokens.getByText('revoked', { exact: true }).waitFor();
  await page.close();

  // the hospital's clinical engineer keeps the site's maintenance windows
  const biomed = await pageAs('biomed');
  await biomed.goto(`${fleet.url}/ui/admin?tab=windows`);
  await biomed.getByRole('heading', { name: "Maintenance windows of St. Mary's Hospital" }).waitFor();
  await biomed.getByRole('table', { name: 'Weekly windows' }).waitFor();
  await biomed.getByRole('button', { name: 'Add a blackout' }).click();
  await biomed.getByLabel('Blackout 2 from').fill('2030-12-24');
  await biomed.getByLabel('Blackout 2 to').fill('2030-12-26');
  await biomed.getByLabel('Blackout 2 reason').fill('holidays');
  await biomed.getByRole('button', { name: 'Save the windows' }).click();
  await biomed.getByText('Saved.').waitFor();
  await checkPage(biomed, '21-admin-windows');
  const r = await fleet.cmd({ cmd: 'api', user: 'admin', method: 'GET', path: `/api/v1/sites/${fleet.sites.st_marys}/maintenance-windows` });
  assert.ok(r.body.blackouts.some((b) => b.from === '2030-12-24' && b.reason === 'holidays'), JSON.stringify(r.body.blackouts));
  await biomed.close();
});

test('audit trail: the chain verified, filtered, exported and verified offline', async () => {
  const page = await pageAs('auditor');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
  const chain = page.getByRole('region', { name: /Chain/ });
  await chain.getByText('verified', { exact: true }).waitFor();
  await page.getByRole('table', { name: 'Audit records' }).waitFor();
  await checkPage(page, '22-audit');
  // what happened to the rollout, newest first
  await page.getByLabel('Event starts with').fill('rollout.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/event_prefix=rollout/);
  const records = page.getByRole('table', { name: 'Audit records' });
  for (const e of ['rollout.created', 'rollout.approve_refused', 'rollout.approved', 'rollout.paused', 'rollout.cancelled'])
    await records.getByRole('cell', { name: e, exact: true }).first().waitFor();
  const events = await records.locator('tbody tr td:nth-child(3)').allTextContents();
  assert.ok(events.every((e) => e.startsWith('rollout.')), events.join(','));
  await checkPage(page, '23-audit-filtered');
  // the export and the server key, verified offline with medfw audit verify
  const [exp] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export the trail' }).click()]);
  const [key] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Server key' }).click()]);
  const dir = join(artifactsDir, NAME);
  await exp.saveAs(join(dir, 'audit.jsonl'));
  await key.saveAs(join(dir, 'server-key.json'));
  const v = spawnSync(join(buildDir, 'medfw'), ['audit', 'verify', join(dir, 'audit.jsonl'), '--server-key', join(dir, 'server-key.json')], { encoding: 'utf8' });
  assert.equal(v.status, 0, `medfw audit verify: ${v.stdout}${v.stderr}`);
  const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.some((l) => l.includes('"rollout.approved"')));
  // a tablet's width too
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.reload();
  await page.getByRole('table', { name: 'Audit records' }).waitFor();
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'the audit page is wider than a tablet');
  await checkPage(page, '24-audit-tablet');
  // a role without audit.read does not get the page (and the server would refuse it)
  const biomed = await pageAs('biomed');
  await biomed.goto(`${fleet.url}/ui/audit`);
  await biomed.getByText('Your role (clinical engineer) cannot see this page.').waitFor();
  await checkPage(biomed, '25-not-available');
  assert.equal(await biomed.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).count(), 0);
  await biomed.close();
  await page.close();
});

test('tablet width: every page fits without sideways scrolling of the page', async () => {
  const page = await pageAs('biomed', { width: 768, height: 1024 });
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  await page.getByRole('img', { name: 'Devices by model and firmware version' }).waitFor();
  const device = fleet.devices.find((d) => d.site === fleet.sites.st_marys);
  for (const [path, shot] of [
    ['/ui', '07-overview-tablet'],
    ['/ui/devices', '08-devices-tablet'],
    [`/ui/devices/${device.id}`, '08b-device-tablet'],
    ['/ui/releases', '08c-releases-tablet'],
    [`/ui/releases/${fleet.releases.new}`, '08d-release-tablet'],
    ['/ui/rollouts', '08e-rollouts-tablet'],
    ['/ui/rollouts/new', '08f-rollout-new-tablet'],
    ['/ui/vulnerabilities', '08g-vulnerabilities-tablet'],
    ['/ui/admin?tab=windows', '08h-admin-tablet'],
  ]) {
    await page.goto(`${fleet.url}${path}`);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} is ${overflow} px wider than a tablet`);
    await checkPage(page, shot);
  }
  await page.close();
});

test('keyboard: skip link, then the navigation, reach the page without a mouse', async () => {
  const page = await pageAs('biomed');
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
  await page.close();
});

test('sign-out ends the session: the API refuses it and the app asks to sign in', async () => {
  const page = await pageAs('secoff');
  await page.goto(`${fleet.url}/ui`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await page.getByText('You signed out.').waitFor();
  const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  assert.equal(status, 401);
  await page.goto(`${fleet.url}/ui/devices`);
  await page.getByRole('heading', { name: 'Sign in to medfw' }).waitFor();
  await page.context().close();
});
