// Draws every element with a `data-chart` attribute (an ECharts option the
// server built with charming) and redraws it when the attribute changes.
// ECharts itself loads on first use, from Plinth (build.mjs fills in its
// hashed name), never from another host. Pages without charts never load it.
(() => {
  if (window.plinthCharts) return;
  window.plinthCharts = true;
  const ECHARTS = '__ECHARTS__';
  let loading = null;
  const load = () =>
    loading ||
    (loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = ECHARTS;
      s.onload = () => resolve(window.echarts);
      s.onerror = reject;
      document.head.appendChild(s);
    }));
  const dark = () => document.documentElement.dataset.theme === 'dark' ||
    (document.documentElement.dataset.theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
  const charts = new Map();
  const draw = async (el) => {
    const echarts = await load();
    let option;
    try { option = JSON.parse(el.dataset.chart); } catch { return; }
    let chart = charts.get(el);
    if (!chart || chart.isDisposed()) {
      chart = echarts.init(el, dark() ? 'dark' : null, { renderer: 'canvas' });
      charts.set(el, chart);
      new ResizeObserver(() => chart.resize()).observe(el);
    }
    chart.setOption({ backgroundColor: 'transparent', ...option }, true);
    el.dataset.drawn = 'true';
  };
  const scan = () => {
    document.querySelectorAll('[data-chart]').forEach((el) => { if (!charts.has(el)) draw(el); });
    for (const [el, chart] of charts) if (!el.isConnected) { chart.dispose(); charts.delete(el); }
  };
  new MutationObserver((records) => {
    for (const r of records) if (r.type === 'attributes' && r.target.dataset.chart) draw(r.target);
    scan();
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-chart'] });
  scan();
})();
