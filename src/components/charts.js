// Draws every element with a `data-chart` attribute (an ECharts option the
// server built with charming) and redraws it when the attribute changes.
// ECharts itself loads on first use, from Plinth (build.mjs fills in its
// hashed name), never from another host. Pages without charts never load it.
(() => {
  if (window.plinthCharts) return;
  window.plinthCharts = true;
  const ECHARTS = '__ECHARTS__';
  // Hydration first. ECharts' start-up and drawing hold the main thread for
  // about 100 ms on the dashboard, and hydration used to wait behind them
  // (end2end/bench/hydration.mjs). ECharts is fetched at once and runs when
  // the page is interactive, or after 3 s if the page never hydrates.
  const html = document.documentElement;
  const hydrated = new Promise((resolve) => {
    if (html.hasAttribute('data-hydrated')) return resolve();
    const watch = new MutationObserver(() => html.hasAttribute('data-hydrated') && (watch.disconnect(), resolve()));
    watch.observe(html, { attributes: true, attributeFilter: ['data-hydrated'] });
    setTimeout(resolve, 3000);
  });
  let loading = null;
  const load = () => {
    if (loading) return loading;
    const early = document.createElement('link');
    early.rel = 'preload';
    early.as = 'script';
    early.href = ECHARTS;
    document.head.appendChild(early);
    return (loading = hydrated.then(() => new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = ECHARTS;
      s.onload = () => resolve(window.echarts);
      s.onerror = reject;
      document.head.appendChild(s);
    })));
  };
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
