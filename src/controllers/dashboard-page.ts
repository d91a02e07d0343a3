// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * The dashboard page: it sends its `?token=` as a bearer token to the API and
 * writes tenant ids with `textContent`, never as HTML. @internal
 */
export function renderDashboardPage(basePath: string): string {
  const api = JSON.stringify(`${basePath}/api`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tenant registry</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2733; background: #f6f8fa; }
  h1 { font-size: 20px; margin: 0 0 16px; } section { margin-top: 20px; } button { cursor: pointer; }
  .cards { display: flex; gap: 12px; flex-wrap: wrap; } .card b { display: block; font-size: 24px; }
  .card, svg { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; }
  .card { padding: 12px 16px; min-width: 130px; } .warning { color: #9a6700; } .healthy { color: #1a7f37; }
  table { border-collapse: collapse; background: #fff; }
  td, th { border: 1px solid #d8dee4; padding: 4px 10px; text-align: left; }
</style>
</head>
<body>
<h1>Tenant registry <span id="status"></span></h1>
<div class="cards">
  <div class="card">tenants<b id="tenants">-</b></div>
  <div class="card">leased<b id="leased">-</b></div>
  <div class="card">anonymous models<b id="models">-</b></div>
  <div class="card">reuse rate<b id="reuse">-</b></div>
  <div class="card">evictions<b id="evictions">-</b></div>
  <div class="card">last eviction pass<b id="last-pass">-</b></div>
  <div class="card">schemas behind<b id="schemas-behind">-</b></div>
</div>
<section id="schemas" hidden><h2>Tenant schemas not current</h2><p id="schemas-text"></p></section>
<section><button id="evict-all">Evict all tenants not in use</button> <span id="message"></span></section>
<section>
  <svg id="chart" width="640" height="160" viewBox="0 0 640 160" role="img" aria-label="models and tenants over time">
    <polyline id="line-models" fill="none" stroke="#0969da" stroke-width="2" points=""></polyline>
    <polyline id="line-tenants" fill="none" stroke="#bf3989" stroke-width="2" points=""></polyline>
    <text x="8" y="16" fill="#0969da">anonymous models</text><text x="140" y="16" fill="#bf3989">tenants</text>
  </svg>
</section>
<section><h2>Top tenants by models they own (anonymous and named)</h2><table id="top-models"></table></section>
<section><h2>Longest idle tenants</h2><table id="top-idle"></table></section>
<script>
(() => {
  const api = ${api};
  const token = new URLSearchParams(location.search).get('token') || '';
  const headers = {authorization: 'Bearer ' + token, 'x-tenant-registry-action': '1'};
  const history = [];
  const $ = id => document.getElementById(id);
  const call = async (method, path) => {
    const res = await fetch(api + path, {method, headers});
    if (res.ok) return res.json();
    throw new Error(method + ' ' + path + ': ' + res.status);
  };
  const plot = () => {
    const max = Math.max(1, ...history.flatMap(p => [p.models, p.tenants]));
    const line = key => history
      .map((p, i) => (i * 640 / 59).toFixed(1) + ',' + (150 - p[key] * 130 / max).toFixed(1))
      .join(' ');
    $('line-models').setAttribute('points', line('models'));
    $('line-tenants').setAttribute('points', line('tenants'));
  };
  const table = (id, rows, column, format) => {
    const element = $(id);
    element.replaceChildren();
    const head = element.insertRow();
    for (const title of ['tenant', column, '']) head.insertCell().textContent = title;
    for (const row of rows) {
      const tr = element.insertRow();
      for (const text of [row.tenantId, format(row)]) tr.insertCell().textContent = text;
      const button = document.createElement('button');
      button.textContent = row.isLeased ? 'Evict (after its requests)' : 'Evict';
      button.dataset.tenant = row.tenantId;
      button.addEventListener('click', async () => {
        const result = await call('POST', '/tenants/' + encodeURIComponent(row.tenantId) + '/evict');
        $('message').textContent = result.evicted ? 'Evicted.' : result.deferred ? 'Will be evicted when its requests end.' : 'Nothing to evict.';
        refresh();
      });
      tr.insertCell().append(button);
    }
  };
  const refresh = async () => {
    try {
      const {health, topByModels, topByIdle, schemas} = await call('GET', '/stats');
      const m = health.metrics;
      const models = m.globalModels + m.totalTenantModels;
      Object.assign($('status'), {textContent: health.status, className: health.status, title: health.warnings.join('; ')});
      $('tenants').textContent = m.tenantScopes;
      $('leased').textContent = m.leasedTenants;
      $('models').textContent = models;
      $('reuse').textContent = m.reuseRate === null ? '-' : (m.reuseRate * 100).toFixed(1) + '%';
      $('evictions').textContent = Object.values(m.evictions).reduce((a, b) => a + b, 0);
      $('last-pass').textContent = m.lastCleanup ? m.lastCleanup.evicted + ' in ' + m.lastCleanup.durationMs.toFixed(1) + ' ms' : '-';
      const behind = schemas.failed + schemas.locked;
      $('schemas-behind').textContent = behind + (schemas.migrating > 0 ? ' (' + schemas.migrating + ' migrating)' : '');
      $('schemas').hidden = behind === 0;
      $('schemas-text').textContent = 'failed: ' + schemas.failedTenants.join(', ') + (schemas.failed > schemas.failedTenants.length ? ', ...' : '') +
        '; locked: ' + schemas.lockedTenants.join(', ') + (schemas.locked > schemas.lockedTenants.length ? ', ...' : '');
      if (history.push({models, tenants: m.tenantScopes}) > 60) history.shift();
      plot();
      table('top-models', topByModels, 'models', r => r.models);
      table('top-idle', topByIdle, 'idle', r => (r.idleMs / 1000).toFixed(0) + ' s');
    } catch (error) {
      $('message').textContent = String(error.message);
    }
  };
  $('evict-all').addEventListener('click', async () => {
    const {evicted} = await call('POST', '/evict-all');
    $('message').textContent = 'Evicted ' + evicted + ' tenant(s).';
    refresh();
  });
  refresh();
  setInterval(refresh, 2000);
})();
</script>
</body>
</html>
`;
}
