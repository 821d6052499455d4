/* The unit board's charts, drawn with Chart.js (served from this origin, /vendor/): the
 * chosen unit's pillars S1–S5 and its "+" (P, drawn last and hatched, so it is told apart
 * without colour too) as labelled bars with their values written on them, and its 12-month
 * trend as two lines told apart by dash and marker shape as well as colour. The same numbers
 * are in the tables beside them (screen readers read those; the canvases are labelled images).
 * The pillars' chart is drawn again whenever live.js brings new figures. */
(function () {
  "use strict";
  if (!window.Chart) return; // the tables alone still say everything
  var Chart = window.Chart;
  var INK = "#1a1a1a", ACCENT = "#0b5394", SECOND = "#7a3e00";
  var charts = (window.ward5sCharts = {});

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  function comma(value) {
    return value === null || value === undefined ? "—" : value.toFixed(1).replace(".", document.documentElement.lang === "vi" ? "," : ".");
  }
  /* Each bar's value written above it, so the chart reads without hovering or colour. */
  var valuesOnBars = {
    id: "valuesOnBars",
    afterDatasetsDraw: function (chart) {
      var context = chart.ctx;
      context.save();
      context.fillStyle = INK;
      context.font = "600 14px system-ui, sans-serif";
      context.textAlign = "center";
      chart.getDatasetMeta(0).data.forEach(function (bar, index) {
        context.fillText(comma(chart.data.datasets[0].data[index]), bar.x, bar.y - 6);
      });
      context.restore();
    }
  };
  /* Diagonal stripes: the "+" bar differs from the pillars by pattern, not colour alone. */
  function hatched() {
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var pen = tile.getContext("2d");
    pen.fillStyle = "#ffffff";
    pen.fillRect(0, 0, 8, 8);
    pen.strokeStyle = SECOND;
    pen.lineWidth = 2;
    pen.beginPath();
    pen.moveTo(0, 8); pen.lineTo(8, 0);
    pen.moveTo(-2, 2); pen.lineTo(2, -2);
    pen.moveTo(6, 10); pen.lineTo(10, 6);
    pen.stroke();
    return pen.createPattern(tile, "repeat");
  }
  var scale = { min: 0, max: 100, ticks: { color: INK }, grid: { color: "#d0d0d0" } };

  function drawPillars() {
    var figures = data("pillars-data");
    var canvas = document.getElementById("pillars-chart");
    if (!figures || !canvas) return;
    if (charts.pillars) charts.pillars.destroy();
    charts.pillars = new Chart(canvas, {
      type: "bar",
      data: {
        labels: figures.labels.map(function (code, i) { return [code, figures.names[i]]; }),
        datasets: [{
          label: figures.title,
          data: figures.values,
          backgroundColor: figures.labels.map(function (code) { return code === "P" ? hatched() : ACCENT; }),
          borderColor: INK,
          borderWidth: 1
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        layout: { padding: { top: 24 } },
        plugins: { legend: { display: false } },
        scales: { y: scale, x: { ticks: { color: INK }, grid: { display: false } } }
      },
      plugins: [valuesOnBars]
    });
  }

  function drawTrend() {
    var trend = data("trend-data");
    var canvas = document.getElementById("trend-chart");
    if (!trend || !canvas) return;
    charts.trend = new Chart(canvas, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          { label: trend.names[0], data: trend.total, borderColor: ACCENT, backgroundColor: ACCENT, pointStyle: "circle", pointRadius: 5, borderWidth: 3, spanGaps: true },
          { label: trend.names[1], data: trend.satisfaction, borderColor: SECOND, backgroundColor: SECOND, pointStyle: "triangle", pointRadius: 6, borderWidth: 2, borderDash: [8, 5], spanGaps: true }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { usePointStyle: true, color: INK } } },
        scales: { y: scale, x: { ticks: { color: INK }, grid: { display: false } } }
      }
    });
  }

  drawPillars();
  drawTrend();
  document.addEventListener("ward5s:live", drawPillars);
})();
