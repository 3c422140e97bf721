// Draws the dashboard's charts from the figures the server embedded in the page (the same object
// GET /v1/dashboard returns). Loaded as a file, never inline, so the page runs under script-src 'self'.
/* global Chart */
(() => {
  const block = document.getElementById('dashboard-data');
  if (!block || typeof Chart === 'undefined') return;
  const d = JSON.parse(block.textContent);
  const pct = (r) => (r.value === null ? null : r.value * 100);
  Chart.defaults.animation = false;

  const draw = (id, config) => {
    const el = document.getElementById(id);
    if (el) new Chart(el, config);
  };

  draw('chart-balances', {
    type: 'bar',
    data: {
      labels: d.accounts.balances.map((b) => b.bucket),
      datasets: [{ label: 'Outstanding', data: d.accounts.balances.map((b) => b.outstanding) }],
    },
  });

  draw('chart-rates', {
    type: 'line',
    data: {
      labels: d.ratesByDay.map((r) => r.day),
      datasets: [
        { label: 'Roll rate %', data: d.ratesByDay.map((r) => pct(r.rollRate)) },
        { label: 'Cure rate %', data: d.ratesByDay.map((r) => pct(r.cureRate)) },
      ],
    },
  });

  const metrics = [
    ['contactRate', 'Contact'],
    ['rightPartyContactRate', 'RPC'],
    ['promiseRate', 'Promise'],
    ['keptRate', 'Kept'],
    ['cureRate', 'Cure'],
    ['rollRate', 'Roll'],
  ];
  draw('chart-strategy', {
    type: 'bar',
    data: {
      labels: metrics.map((m) => m[1]),
      datasets: d.strategy.overall.groups.map((g) => ({
        label: `${g.key.policyVersion} ${g.key.variant}`,
        data: metrics.map((m) => pct(g.metrics[m[0]])),
      })),
    },
    options: { scales: { y: { title: { display: true, text: '%' } } } },
  });

  draw('chart-compliance', {
    type: 'bar',
    data: {
      labels: d.complianceBlocks.map((b) => b.reason),
      datasets: [
        { label: 'Assignments held', data: d.complianceBlocks.map((b) => b.assignments) },
        { label: 'Claims refused', data: d.complianceBlocks.map((b) => b.claims) },
      ],
    },
  });
  document.body.dataset.charts = 'drawn';
})();
